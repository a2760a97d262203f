/* Sandbox escape attempts, one line per attempt: what was tried and the WASI errno it
 * got ("ok" when it succeeded, with what it read). Every attempt that would reach
 * outside the preopened directory must fail; the expected lines are in cases.toml.
 *
 * The fixture (tree/) is a preopened directory `sandbox` with a sibling `outside`
 * holding `secret` and `dir/keep.txt`, which the program must neither read nor change.
 * `sandbox` holds the symbolic links `up -> ../outside`, `inner/out -> ../../outside`
 * and `abs-passwd -> /etc/passwd`; the program makes more with path_symlink.
 *
 *   escape raw            the WASI calls themselves, on the preopen (fd 3)
 *   escape libc PREFIX    the same through wasi-libc's POSIX layer, which maps absolute
 *                         paths to preopens; PREFIX is the preopen's guest name ("" for /)
 *
 * Build: tests/golden/sandbox/build.sh */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

/* The preopen every raw call starts from. */
#define ROOT 3
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define READ_WRITE (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)

/* WASI errno names (wasi-libc's errno values are the WASI ones). */
static const char *name(int e) {
    switch (e) {
    case 0: return "ok";
    case __WASI_ERRNO_BADF: return "BADF";
    case __WASI_ERRNO_EXIST: return "EXIST";
    case __WASI_ERRNO_FAULT: return "FAULT";
    case __WASI_ERRNO_INVAL: return "INVAL";
    case __WASI_ERRNO_ISDIR: return "ISDIR";
    case __WASI_ERRNO_LOOP: return "LOOP";
    case __WASI_ERRNO_NOENT: return "NOENT";
    case __WASI_ERRNO_NOTDIR: return "NOTDIR";
    case __WASI_ERRNO_NOTEMPTY: return "NOTEMPTY";
    case __WASI_ERRNO_NOTCAPABLE: return "NOTCAPABLE";
    case __WASI_ERRNO_PERM: return "PERM";
    case __WASI_ERRNO_XDEV: return "XDEV";
    default: return "other";
    }
}

static void report(const char *op, const char *path, int e) {
    printf("%s %s: %s", op, path, name(e));
    if (strcmp(name(e), "other") == 0)
        printf(" (%d)", e);
    printf("\n");
}

/* Prints what an fd that should not exist holds, then closes it. */
static void show_fd(__wasi_fd_t fd) {
    char buf[64];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
    __wasi_size_t n = 0;
    if (__wasi_fd_read(fd, &iov, 1, &n) != 0)
        n = 0;
    buf[n] = 0;
    printf("  read %zu bytes: \"%s\"\n", (size_t)n, buf);
    (void)__wasi_fd_close(fd);
}

/* path_open on the preopen; on success shows what it got. */
static void try_open(const char *label, __wasi_lookupflags_t lookup, const char *path,
                     __wasi_oflags_t oflags) {
    __wasi_fd_t fd = 0;
    int e = __wasi_path_open(ROOT, lookup, path, oflags, READ_WRITE, 0, 0, &fd);
    report(label, path, e);
    if (e == 0)
        show_fd(fd);
}

static void try_symlink(const char *target, const char *path) {
    char label[96];
    snprintf(label, sizeof label, "path_symlink %s ->", target);
    report(label, path, __wasi_path_symlink(target, ROOT, path));
}

static void try_readlink(const char *path) {
    char buf[64];
    __wasi_size_t n = 0;
    int e = __wasi_path_readlink(ROOT, path, (uint8_t *)buf, sizeof buf - 1, &n);
    report("path_readlink", path, e);
    if (e == 0) {
        buf[n] = 0;
        printf("  \"%s\"\n", buf);
    }
}

static void try_stat(const char *label, __wasi_lookupflags_t lookup, const char *path) {
    __wasi_filestat_t st;
    int e = __wasi_path_filestat_get(ROOT, lookup, path, &st);
    report(label, path, e);
    if (e == 0)
        printf("  filetype %d size %llu\n", st.filetype, (unsigned long long)st.size);
}

static void raw(void) {
    __wasi_prestat_t pre;
    char dir_name[64] = {0};
    if (__wasi_fd_prestat_get(ROOT, &pre) == 0 &&
        __wasi_fd_prestat_dir_name(ROOT, (uint8_t *)dir_name, sizeof dir_name - 1) == 0)
        printf("preopen 3: %s\n", dir_name);
    report("fd_prestat_get", "4", __wasi_fd_prestat_get(ROOT + 1, &pre));

    printf("-- inside the sandbox, for comparison\n");
    try_open("path_open", 0, "inside.txt", 0);
    try_open("path_open", 0, "inner/../inside.txt", 0);
    try_open("path_open", 0, "./inner/./note.txt", 0);

    printf("-- .. components and absolute paths\n");
    try_open("path_open", 0, "../outside/secret", 0);
    try_open("path_open", 0, "inner/../../outside/secret", 0);
    try_open("path_open", 0, "..", 0);
    try_open("path_open", 0, "/etc/passwd", 0);
    try_open("path_open", 0, "/", 0);

    printf("-- symbolic links in the fixture: to a directory outside, at any component\n");
    try_open("path_open follow", FOLLOW, "up/secret", 0);
    try_open("path_open nofollow", 0, "up/secret", 0);
    try_open("path_open follow", FOLLOW, "inner/out/secret", 0);
    try_open("path_open follow", FOLLOW, "inner/out/../outside/secret", 0);
    try_open("path_open follow", FOLLOW, "up", 0);
    try_open("path_open follow", FOLLOW, "abs-passwd", 0);
    try_open("path_open nofollow", 0, "abs-passwd", 0);

    printf("-- symbolic links the program makes\n");
    try_symlink("../outside/secret", "secret-link");
    try_symlink("/etc/passwd", "abs-made");
    try_symlink("hop2", "hop1");
    try_symlink("hop3", "hop2");
    try_symlink("up/secret", "hop3");
    try_symlink("../outside/created", "dangling-out");
    try_symlink("missing", "dangling-in");
    try_symlink("loop2", "loop1");
    try_symlink("loop1", "loop2");
    try_symlink("self", "self");
    try_symlink("../../outside", "inner/made-up");
    try_open("path_open follow", FOLLOW, "secret-link", 0);
    try_open("path_open nofollow", 0, "secret-link", 0);
    try_open("path_open follow", FOLLOW, "hop1", 0);
    try_open("path_open follow", FOLLOW, "inner/made-up/secret", 0);
    try_open("path_open follow", FOLLOW, "dangling-out", 0);
    try_open("path_open follow", FOLLOW, "dangling-in", 0);
    try_open("path_open follow", FOLLOW, "loop1", 0);
    try_open("path_open nofollow", 0, "loop1/x", 0);
    try_open("path_open follow", FOLLOW, "self", 0);

    printf("-- creating and truncating through escapes\n");
    try_open("path_open creat", 0, "../outside/created", __WASI_OFLAGS_CREAT);
    try_open("path_open creat follow", FOLLOW, "up/created", __WASI_OFLAGS_CREAT);
    try_open("path_open creat follow", FOLLOW, "dangling-out", __WASI_OFLAGS_CREAT);
    try_open("path_open creat follow", FOLLOW, "dangling-out",
             __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL);
    try_open("path_open creat", 0, "/tmp/created", __WASI_OFLAGS_CREAT);
    try_open("path_open trunc follow", FOLLOW, "secret-link", __WASI_OFLAGS_TRUNC);
    try_open("path_open trunc follow", FOLLOW, "hop1", __WASI_OFLAGS_TRUNC);

    printf("-- a directory descriptor is a sandbox of its own\n");
    __wasi_fd_t inner = 0;
    int e = __wasi_path_open(ROOT, 0, "inner", __WASI_OFLAGS_DIRECTORY,
                             __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR,
                             READ_WRITE | __WASI_RIGHTS_PATH_OPEN, 0, &inner);
    report("path_open directory", "inner", e);
    if (e == 0) {
        __wasi_fd_t fd = 0;
        report("path_open (from inner)", "note.txt",
               __wasi_path_open(inner, 0, "note.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
        (void)__wasi_fd_close(fd);
        report("path_open (from inner)", "../inside.txt",
               __wasi_path_open(inner, 0, "../inside.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
        (void)__wasi_fd_close(inner);
    }

    printf("-- other path operations on escaping paths\n");
    try_stat("path_filestat_get", 0, "../outside/secret");
    try_stat("path_filestat_get follow", FOLLOW, "up/secret");
    try_stat("path_filestat_get follow", FOLLOW, "secret-link");
    try_stat("path_filestat_get nofollow", 0, "secret-link");
    report("path_filestat_set_times", "../outside/secret",
           __wasi_path_filestat_set_times(ROOT, 0, "../outside/secret", 0, 0,
                                          __WASI_FSTFLAGS_MTIM_NOW));
    report("path_filestat_set_times follow", "secret-link",
           __wasi_path_filestat_set_times(ROOT, FOLLOW, "secret-link", 0, 0,
                                          __WASI_FSTFLAGS_MTIM_NOW));
    try_readlink("secret-link");
    try_readlink("abs-passwd");
    try_readlink("../outside/secret");
    try_readlink("up/secret");
    report("path_create_directory", "../outside/newdir",
           __wasi_path_create_directory(ROOT, "../outside/newdir"));
    report("path_create_directory", "up/newdir", __wasi_path_create_directory(ROOT, "up/newdir"));
    report("path_remove_directory", "../outside/dir",
           __wasi_path_remove_directory(ROOT, "../outside/dir"));
    report("path_remove_directory", "up/dir", __wasi_path_remove_directory(ROOT, "up/dir"));
    report("path_remove_directory", "up", __wasi_path_remove_directory(ROOT, "up"));
    report("path_unlink_file", "../outside/secret",
           __wasi_path_unlink_file(ROOT, "../outside/secret"));
    report("path_unlink_file", "up/secret", __wasi_path_unlink_file(ROOT, "up/secret"));
    report("path_unlink_file", "inner/out/dir/keep.txt",
           __wasi_path_unlink_file(ROOT, "inner/out/dir/keep.txt"));

    printf("-- hard links and renames across the boundary\n");
    report("path_link from", "../outside/secret",
           __wasi_path_link(ROOT, 0, "../outside/secret", ROOT, "stolen"));
    report("path_link from", "up/secret", __wasi_path_link(ROOT, 0, "up/secret", ROOT, "stolen"));
    report("path_link to", "../outside/planted",
           __wasi_path_link(ROOT, 0, "inside.txt", ROOT, "../outside/planted"));
    report("path_link to", "up/planted",
           __wasi_path_link(ROOT, 0, "inside.txt", ROOT, "up/planted"));
    report("path_link follow from", "secret-link",
           __wasi_path_link(ROOT, FOLLOW, "secret-link", ROOT, "stolen"));
    report("path_link nofollow from", "secret-link",
           __wasi_path_link(ROOT, 0, "secret-link", ROOT, "link-copy"));
    try_open("path_open follow", FOLLOW, "link-copy", 0);
    report("path_rename from", "../outside/secret",
           __wasi_path_rename(ROOT, "../outside/secret", ROOT, "stolen"));
    report("path_rename from", "up/secret", __wasi_path_rename(ROOT, "up/secret", ROOT, "stolen"));
    report("path_rename to", "../outside/planted",
           __wasi_path_rename(ROOT, "inside.txt", ROOT, "../outside/planted"));
    report("path_rename dir to", "../inner-moved",
           __wasi_path_rename(ROOT, "inner", ROOT, "../inner-moved"));
    report("path_rename dir to", "up/inner-moved",
           __wasi_path_rename(ROOT, "inner", ROOT, "up/inner-moved"));
    report("path_rename dir to", "inner/out/inner-moved",
           __wasi_path_rename(ROOT, "inner", ROOT, "inner/out/inner-moved"));

    printf("-- removing the links themselves is allowed and leaves their targets\n");
    report("path_unlink_file", "secret-link", __wasi_path_unlink_file(ROOT, "secret-link"));
    report("path_unlink_file", "up", __wasi_path_unlink_file(ROOT, "up"));
    report("path_unlink_file", "dangling-out", __wasi_path_unlink_file(ROOT, "dangling-out"));
}

/* Tries to read PREFIX/path through open(2); prints the errno or what it read. */
static void libc_open(const char *prefix, const char *path, int flags) {
    char full[128];
    snprintf(full, sizeof full, "%s%s", prefix, path);
    int fd = open(full, flags, 0644);
    printf("open%s %s: %s\n", flags & O_CREAT ? " O_CREAT" : "", full, fd < 0 ? name(errno) : "ok");
    if (fd >= 0) {
        char buf[64];
        ssize_t n = read(fd, buf, sizeof buf - 1);
        buf[n < 0 ? 0 : n] = 0;
        printf("  read \"%s\"\n", buf);
        close(fd);
    }
}

static void libc_status(const char *op, const char *prefix, const char *path, int r) {
    printf("%s %s%s: %s\n", op, prefix, path, r < 0 ? name(errno) : "ok");
}

static void libc(const char *prefix) {
    char a[128], b[128];
#define P(path) (snprintf(a, sizeof a, "%s%s", prefix, path), a)
#define Q(path) (snprintf(b, sizeof b, "%s%s", prefix, path), b)
    struct stat st;
    libc_open(prefix, "/inside.txt", O_RDONLY);
    libc_open("", "/etc/passwd", O_RDONLY);
    libc_open(prefix, "/../outside/secret", O_RDONLY);
    libc_open(prefix, "/inner/../../outside/secret", O_RDONLY);
    libc_open(prefix, "/up/secret", O_RDONLY);
    libc_open(prefix, "/inner/out/secret", O_RDONLY);
    libc_open(prefix, "/abs-passwd", O_RDONLY);
    libc_open(prefix, "/../outside/created", O_WRONLY | O_CREAT);
    libc_open(prefix, "/up/created", O_WRONLY | O_CREAT);
    libc_status("stat", prefix, "/up/secret", stat(P("/up/secret"), &st));
    libc_status("lstat", prefix, "/up", lstat(P("/up"), &st));
    DIR *d = opendir(P("/up"));
    libc_status("opendir", prefix, "/up", d ? 0 : -1);
    if (d)
        closedir(d);
    libc_status("chdir", prefix, "/inner", chdir(P("/inner")));
    libc_open("", "out/secret", O_RDONLY);
    libc_open("", "../../outside/secret", O_RDONLY);
    libc_open("", "note.txt", O_RDONLY);
    libc_status("symlink ../outside/secret ->", prefix, "/made",
                symlink("../outside/secret", P("/made")));
    libc_open(prefix, "/made", O_RDONLY);
    libc_status("link", prefix, "/../outside/secret",
                link(P("/../outside/secret"), Q("/stolen")));
    libc_status("rename", prefix, "/inner",
                rename(P("/inner"), Q("/up/inner-moved")));
    libc_status("unlink", prefix, "/up/secret", unlink(P("/up/secret")));
    libc_status("rmdir", prefix, "/up/dir", rmdir(P("/up/dir")));
    libc_status("mkdir", prefix, "/up/newdir", mkdir(P("/up/newdir"), 0755));
    char buf[64];
    ssize_t n = readlink(P("/up"), buf, sizeof buf - 1);
    libc_status("readlink", prefix, "/up", n < 0 ? -1 : 0);
    if (n >= 0) {
        buf[n] = 0;
        printf("  \"%s\"\n", buf);
    }
#undef P
#undef Q
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "raw") == 0) {
        raw();
    } else if (argc == 3 && strcmp(argv[1], "libc") == 0) {
        libc(argv[2]);
    } else {
        fprintf(stderr, "usage: escape raw | escape libc PREFIX\n");
        return 2;
    }
    return 0;
}

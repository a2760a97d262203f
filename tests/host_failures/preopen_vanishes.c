// The guest of host_failures' `preopen-*` cases: tries path_open, fd_readdir and
// path_create_directory on its only preopen (fd 3) and prints the WASI errno of
// each, once at start and again after each line read from stdin, so the test can
// change the host directory between rounds. Rebuild with:
//   clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror \
//       -Wl,--strip-debug -o preopen_vanishes.wasm preopen_vanishes.c
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const __wasi_fd_t PREOPEN = 3;

// Opens `path` under the preopen with `oflags`, closing what it opened.
static __wasi_errno_t try_open(const char *path, __wasi_oflags_t oflags) {
    __wasi_fd_t fd;
    __wasi_rights_t rights = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE;
    __wasi_errno_t e = __wasi_path_open(PREOPEN, 0, path, oflags, rights, 0, 0, &fd);
    if (e == __WASI_ERRNO_SUCCESS) {
        (void)__wasi_fd_close(fd);
    }
    return e;
}

// Lists the preopen from the start into `*entries`; `-1` entries when the listing does
// not fit the buffer.
static __wasi_errno_t try_readdir(int *entries) {
    uint8_t buf[1024];
    __wasi_size_t used = 0;
    __wasi_errno_t e = __wasi_fd_readdir(PREOPEN, buf, sizeof buf, 0, &used);
    *entries = 0;
    for (__wasi_size_t at = 0; at < used; (*entries)++) {
        __wasi_dirent_t dirent;
        memcpy(&dirent, buf + at, sizeof dirent);
        at += sizeof dirent + dirent.d_namlen;
    }
    if (used == sizeof buf) {
        *entries = -1;
    }
    return e;
}

int main(void) {
    __wasi_prestat_t prestat;
    if (__wasi_fd_prestat_get(PREOPEN, &prestat) != __WASI_ERRNO_SUCCESS) {
        puts("fd 3 is not a preopen");
        return 1;
    }
    char line[64];
    for (int round = 0;; round++) {
        char file[32], dir[32];
        snprintf(file, sizeof file, "file-%d", round);
        snprintf(dir, sizeof dir, "dir-%d", round);
        __wasi_errno_t open_existing = try_open("existing", 0);
        __wasi_errno_t create_file = try_open(file, __WASI_OFLAGS_CREAT);
        int entries;
        __wasi_errno_t readdir = try_readdir(&entries);
        __wasi_errno_t mkdir = __wasi_path_create_directory(PREOPEN, dir);
        printf("round %d: open existing %d, create file %d, readdir %d (%d entries), "
               "mkdir %d\n",
               round, open_existing, create_file, readdir, entries, mkdir);
        fflush(stdout);
        if (fgets(line, sizeof line, stdin) == NULL) {
            return 0;
        }
    }
}

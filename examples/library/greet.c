/*
 * greet: a WASI command for the library-mode examples (examples/host-c, host-rust).
 *
 *   usage: greet [NAME...] [--file PATH]
 *
 * Greets every NAME, and every line of PATH (read through a preopened directory), on
 * stdout, with $GREETING (default "Hello"). The exit status is the number of people
 * greeted, so a host sees proc_exit's status come back; 0 names is exit status 0,
 * which wasi-libc turns into a normal return from _start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int greeted;

static void greet(const char *greeting, const char *name) {
    printf("%s, %s!\n", greeting, name);
    greeted++;
}

int main(int argc, char **argv) {
    const char *greeting = getenv("GREETING");
    if (greeting == NULL)
        greeting = "Hello";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
            const char *path = argv[++i];
            FILE *f = fopen(path, "r");
            if (f == NULL) {
                fprintf(stderr, "greet: cannot open %s\n", path);
                return 100;
            }
            char line[256];
            while (fgets(line, sizeof line, f) != NULL) {
                line[strcspn(line, "\n")] = '\0';
                if (line[0] != '\0')
                    greet(greeting, line);
            }
            fclose(f);
        } else {
            greet(greeting, argv[i]);
        }
    }
    return greeted;
}

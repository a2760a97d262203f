/* The native hello world the startup benchmark compares with examples/demo.wasm. */
#include <stdio.h>

int main(void) {
    puts("hello world");
    return 0;
}

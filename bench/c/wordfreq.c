/* String processing: generates 24 MiB of text from a 2048-word vocabulary, splits it
 * into words, counts them in an open-addressing hash table keyed by string, sorts the
 * distinct words by count, and counts substring matches with a naive search.
 * Self-check: the counts add up to the number of words generated. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_BYTES (24u << 20)
#define VOCAB 2048
#define TABLE 8192

static char vocab[VOCAB][16];
static struct { const char *word; unsigned len, count; } table[TABLE];

static uint32_t hash(const char *s, unsigned n) {
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int by_count(const void *x, const void *y) {
    const unsigned *a = x, *b = y;
    if (table[*a].count != table[*b].count) return table[*a].count < table[*b].count ? 1 : -1;
    unsigned n = table[*a].len < table[*b].len ? table[*a].len : table[*b].len;
    int c = memcmp(table[*a].word, table[*b].word, n);
    return c ? c : (int)table[*a].len - (int)table[*b].len;
}

int main(void) {
    uint32_t x = 1;
    for (int i = 0; i < VOCAB; i++) {
        int len = 2 + (int)((x = x * 1103515245u + 12345u) >> 16) % 12;
        for (int j = 0; j < len; j++) vocab[i][j] = 'a' + ((x = x * 1103515245u + 12345u) >> 16) % 26;
        vocab[i][len] = 0;
    }
    char *text = malloc(TEXT_BYTES + 32);
    if (!text) { puts("FAIL: out of memory"); return 1; }
    size_t used = 0, generated = 0;
    while (used < TEXT_BYTES) {
        x = x * 1103515245u + 12345u;
        /* Zipf-like: small indices are far more frequent. */
        unsigned r = (x >> 8) & 0xffff;
        unsigned w = (r * r >> 21) % VOCAB;
        size_t len = strlen(vocab[w]);
        memcpy(text + used, vocab[w], len);
        used += len;
        text[used++] = (x & 0xf) == 0 ? '\n' : ' ';
        generated++;
    }
    text[used] = 0;

    size_t words = 0;
    for (int pass = 0; pass < 2; pass++) {
        memset(table, 0, sizeof table);
        words = 0;
        const char *p = text, *end = text + used;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\n')) p++;
            const char *start = p;
            while (p < end && *p != ' ' && *p != '\n') p++;
            if (p == start) break;
            unsigned n = (unsigned)(p - start);
            uint32_t slot = hash(start, n) & (TABLE - 1);
            while (table[slot].word && (table[slot].len != n || memcmp(table[slot].word, start, n)))
                slot = (slot + 1) & (TABLE - 1);
            if (!table[slot].word) { table[slot].word = start; table[slot].len = n; }
            table[slot].count++;
            words++;
        }
    }
    unsigned order[TABLE], distinct = 0;
    size_t total = 0;
    for (unsigned i = 0; i < TABLE; i++)
        if (table[i].word) { order[distinct++] = i; total += table[i].count; }
    qsort(order, distinct, sizeof *order, by_count);

    size_t matches = 0;
    const char *needle = vocab[VOCAB - 1];
    size_t nlen = strlen(needle);
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += nlen) matches++;

    if (total != generated || words != generated) {
        printf("FAIL: counted %zu words, generated %zu\n", total, generated);
        return 1;
    }
    printf("%zu words, %u distinct; top: %.*s (%u), %.*s (%u); \"%s\" occurs %zu times\n", words,
           distinct, table[order[0]].len, table[order[0]].word, table[order[0]].count,
           table[order[1]].len, table[order[1]].word, table[order[1]].count, needle, matches);
    return 0;
}

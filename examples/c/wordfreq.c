/*
 * wordfreq: counts the words of a text file and prints the most frequent ones.
 *
 *   usage: wordfreq FILE
 *
 * Words are runs of ASCII letters, digits and apostrophes, compared without case.
 * Environment:
 *   WORDFREQ_TOP      how many words to print (default 10)
 *   WORDFREQ_MIN_LEN  ignore words shorter than this (default 1)
 * Exit status: 0 on success, 1 when FILE cannot be read, 2 on a usage error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *word;
    unsigned count;
};

static struct entry *table;
static size_t table_cap;
static size_t table_len;

static unsigned long hash(const char *s) {
    unsigned long h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void grow(void);

static void add_word(const char *word) {
    if (table_len * 2 >= table_cap)
        grow();
    size_t i = hash(word) & (table_cap - 1);
    while (table[i].word) {
        if (strcmp(table[i].word, word) == 0) {
            table[i].count++;
            return;
        }
        i = (i + 1) & (table_cap - 1);
    }
    table[i].word = strdup(word);
    table[i].count = 1;
    table_len++;
}

static void grow(void) {
    struct entry *old = table;
    size_t old_cap = table_cap;
    table_cap = old_cap ? old_cap * 2 : 64;
    table = calloc(table_cap, sizeof *table);
    table_len = 0;
    if (!table) {
        fputs("wordfreq: out of memory\n", stderr);
        exit(1);
    }
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].word) {
            size_t j = hash(old[i].word) & (table_cap - 1);
            while (table[j].word)
                j = (j + 1) & (table_cap - 1);
            table[j] = old[i];
            table_len++;
        }
    }
    free(old);
}

static int by_count(const void *a, const void *b) {
    const struct entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

static long env_number(const char *name, long fallback) {
    const char *value = getenv(name);
    if (!value || !*value)
        return fallback;
    char *end;
    long n = strtol(value, &end, 10);
    if (*end || n < 0) {
        fprintf(stderr, "wordfreq: %s must be a non-negative number, not \"%s\"\n", name, value);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: wordfreq FILE\n");
        return 2;
    }
    long top = env_number("WORDFREQ_TOP", 10);
    long min_len = env_number("WORDFREQ_MIN_LEN", 1);

    FILE *f = fopen(argv[1], "r");
    if (!f) {
        fprintf(stderr, "wordfreq: cannot open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    char word[64];
    size_t len = 0;
    unsigned long total = 0, lines = 0;
    int c;
    do {
        c = fgetc(f);
        if (c == '\n')
            lines++;
        if (c != EOF && (isalnum(c) || c == '\'')) {
            if (len < sizeof word - 1)
                word[len++] = (char)tolower(c);
        } else if (len > 0) {
            word[len] = '\0';
            if ((long)len >= min_len) {
                add_word(word);
                total++;
            }
            len = 0;
        }
    } while (c != EOF);
    if (ferror(f)) {
        fprintf(stderr, "wordfreq: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);

    struct entry *sorted = malloc((table_len + 1) * sizeof *sorted);
    size_t n = 0;
    for (size_t i = 0; i < table_cap; i++)
        if (table[i].word)
            sorted[n++] = table[i];
    qsort(sorted, n, sizeof *sorted, by_count);

    printf("%s: %lu lines, %lu words, %zu distinct\n", argv[1], lines, total, n);
    for (size_t i = 0; i < n && (long)i < top; i++)
        printf("%6u %s\n", sorted[i].count, sorted[i].word);
    return 0;
}

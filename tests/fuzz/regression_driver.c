/*
 * regression_driver.c -- replay inputs through a fuzz target without
 * libFuzzer, so that `make check` runs every saved seed and crash
 * reproducer with the ordinary compiler.
 *
 * Usage: TARGET-replay PATH...
 *   Each PATH is a file or a directory (its regular files, sorted, not
 *   recursive).  Every input runs in a child process, so a crash or an
 *   abort fails that input only; an input running longer than
 *   UNBAKE_FUZZ_TIMEOUT seconds (default 60) fails too.  The last line is
 *   "N passed, N failed"; the exit status is 0 only when nothing failed.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long n_pass, n_fail;
static unsigned timeout_s = 60;

static int read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        return -1;
    }
    *data = buf;
    *size = n;
    return 0;
}

static void run_one(const char *path)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "regression_driver: fork: %s\n", strerror(errno));
        n_fail++;
        return;
    }
    if (pid == 0) {
        uint8_t *data;
        size_t size;
        if (read_file(path, &data, &size)) {
            fprintf(stderr, "regression_driver: %s: %s\n", path, strerror(errno));
            _exit(3);
        }
        alarm(timeout_s);
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        _exit(0);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            st = -1;
            break;
        }
    }
    if (st == 0) {
        n_pass++;
        return;
    }
    n_fail++;
    if (st != -1 && WIFSIGNALED(st))
        printf("FAIL %s: %s\n", path, WTERMSIG(st) == SIGALRM ? "timed out"
                                                               : strsignal(WTERMSIG(st)));
    else
        printf("FAIL %s: exit status %d\n", path, st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("FAIL %s: %s\n", dir, strerror(errno));
        n_fail++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p)
            break;
        snprintf(p, len, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(p, &sb) || !S_ISREG(sb.st_mode)) {
            free(p);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **q = realloc(names, cap * sizeof *q);
            if (!q) {
                free(p);
                break;
            }
            names = q;
        }
        names[n++] = p;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        run_one(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    const char *t = getenv("UNBAKE_FUZZ_TIMEOUT");
    if (t && atoi(t) > 0)
        timeout_s = (unsigned)atoi(t);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            run_dir(argv[i]);
        else
            run_one(argv[i]);
    }
    printf("%lu passed, %lu failed\n", n_pass, n_fail);
    return n_fail ? 1 : 0;
}

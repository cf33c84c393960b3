/*
 * runbench.c -- time a filter and measure its peak memory, for `make bench`.
 *
 * Usage: runbench [-n RUNS] [-i FILE | -g "GENERATOR ARGS"] CMD [ARGS...]
 *
 *   -n RUNS   run CMD this many times (default 5) and keep the best time
 *   -i FILE   CMD's standard input (default /dev/null)
 *   -g CMD    CMD's standard input is a pipe from this generator command
 *             (split on spaces, no quoting), so that gigabytes can be fed
 *             without touching the disk
 *
 * CMD's standard output goes to /dev/null.  Prints one line:
 *   best=SECONDS median=SECONDS rss_kb=PEAK
 * where PEAK is the largest ru_maxrss of CMD itself over all runs (from
 * wait4(), so the generator and this program are not counted).  Exits 1
 * if CMD fails or dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Split s on spaces into a NULL-terminated argv (s is modified). */
static char **split(char *s)
{
    size_t n = 0, cap = 8;
    char **v = malloc(cap * sizeof *v);
    if (!v)
        return NULL;
    for (char *tok = strtok(s, " "); tok; tok = strtok(NULL, " ")) {
        if (n + 2 > cap) {
            cap *= 2;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(v);
                return NULL;
            }
            v = nv;
        }
        v[n++] = tok;
    }
    v[n] = NULL;
    return v;
}

static pid_t spawn(char **argv, int in_fd, int out_fd, int close_fd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (in_fd != 0) {
        dup2(in_fd, 0);
        close(in_fd);
    }
    if (out_fd != 1) {
        dup2(out_fd, 1);
        close(out_fd);
    }
    if (close_fd >= 0)
        close(close_fd);
    execvp(argv[0], argv);
    fprintf(stderr, "runbench: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static int status_ok(int st, const char *what)
{
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 1;
    if (WIFSIGNALED(st))
        fprintf(stderr, "runbench: %s killed by signal %d\n", what, WTERMSIG(st));
    else
        fprintf(stderr, "runbench: %s exited with %d\n", what, WEXITSTATUS(st));
    return 0;
}

/* One run; stores the wall time and CMD's peak RSS.  Returns 0 on success. */
static int run_once(char **cmd, const char *input, char **gen, double *secs, long *rss)
{
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull < 0)
        return -1;
    int in_fd = -1, pipefd[2] = { -1, -1 };
    pid_t gpid = -1;
    double t0 = now();
    if (gen) {
        if (pipe(pipefd))
            return -1;
        gpid = spawn(gen, 0, pipefd[1], pipefd[0]);
        close(pipefd[1]);
        in_fd = pipefd[0];
    } else {
        in_fd = open(input ? input : "/dev/null", O_RDONLY);
        if (in_fd < 0) {
            fprintf(stderr, "runbench: %s: %s\n", input, strerror(errno));
            close(devnull);
            return -1;
        }
    }
    pid_t pid = spawn(cmd, in_fd, devnull, -1);
    close(in_fd);
    close(devnull);
    int st, ok = 1;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR)
            return -1;
    *secs = now() - t0;
    *rss = ru.ru_maxrss;
    ok = status_ok(st, cmd[0]);
    if (gpid > 0) {
        int gst;
        while (waitpid(gpid, &gst, 0) < 0)
            if (errno != EINTR)
                return -1;
        /* A generator killed by SIGPIPE means CMD stopped reading early. */
        ok &= status_ok(gst, gen[0]);
    }
    return ok ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = 5, opt;
    const char *input = NULL;
    char **gen = NULL;
    while ((opt = getopt(argc, argv, "+n:i:g:")) != -1) {
        switch (opt) {
        case 'n':
            runs = atoi(optarg);
            break;
        case 'i':
            input = optarg;
            break;
        case 'g':
            gen = split(optarg);
            break;
        default:
            goto usage;
        }
    }
    if (optind >= argc || runs < 1 || runs > 100000)
        goto usage;
    double *t = malloc((size_t)runs * sizeof *t);
    if (!t)
        return 1;
    long peak = 0;
    for (int i = 0; i < runs; i++) {
        long rss;
        if (run_once(argv + optind, input, gen, &t[i], &rss)) {
            free(t);
            free(gen);
            return 1;
        }
        if (rss > peak)
            peak = rss;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("best=%.6f median=%.6f rss_kb=%ld\n", t[0], t[runs / 2], peak);
    free(t);
    free(gen);
    return 0;
usage:
    fprintf(stderr, "usage: runbench [-n RUNS] [-i FILE | -g \"GENERATOR ARGS\"] CMD [ARGS...]\n");
    return 2;
}

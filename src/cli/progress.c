/*
 * progress.c -- one redrawn line on stderr: files, bytes, ETA.
 *
 * Off unless asked for (--progress) or, in auto mode, unless stderr is a
 * terminal and warnings are shown.  Redrawn with '\r' at most five times a
 * second; the caller serializes calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct ub_progress {
    uint64_t total_files, total_bytes;
    double start, last;
    int drawn;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ub_progress *ub_progress_new(int mode, uint64_t total_files, uint64_t total_bytes)
{
    int on = mode == 1 || (mode == -1 && ub_verbosity >= 2 && isatty(STDERR_FILENO));
    if (!on || ub_verbosity < 1)
        return NULL;
    struct ub_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->total_files = total_files;
    p->total_bytes = total_bytes;
    p->start = p->last = now();
    return p;
}

static void human(char *buf, size_t size, uint64_t n)
{
    if (n >= (uint64_t)10 << 20)
        snprintf(buf, size, "%.0f MiB", (double)n / (1 << 20));
    else if (n >= (uint64_t)1 << 20)
        snprintf(buf, size, "%.1f MiB", (double)n / (1 << 20));
    else
        snprintf(buf, size, "%.0f KiB", (double)n / 1024);
}

void ub_progress_update(struct ub_progress *p, uint64_t files_done, uint64_t bytes_done)
{
    if (!p)
        return;
    double t = now();
    if (t - p->last < 0.2 && files_done < p->total_files)
        return;
    p->last = t;
    char done[32], total[32], eta[32] = "--:--";
    human(done, sizeof done, bytes_done);
    human(total, sizeof total, p->total_bytes);
    double el = t - p->start;
    if (bytes_done && el > 0.5 && p->total_bytes >= bytes_done) {
        double left = el * (double)(p->total_bytes - bytes_done) / (double)bytes_done;
        snprintf(eta, sizeof eta, "%d:%02d", (int)(left / 60), (int)left % 60);
    }
    fprintf(stderr, "\runbake: %llu/%llu files, %s/%s, ETA %s   ",
            (unsigned long long)files_done, (unsigned long long)p->total_files, done, total, eta);
    fflush(stderr);
    p->drawn = 1;
}

void ub_progress_end(struct ub_progress *p)
{
    if (!p)
        return;
    if (p->drawn)
        fprintf(stderr, "\r%*s\r", 70, "");
    free(p);
}

/*
 * icu.c -- ICU's data, asked for before the library's first converter
 * (icu.h).
 */
#include "icu.h"

#include <pthread.h>

static void (*data_hook)(void);
static pthread_once_t data_once = PTHREAD_ONCE_INIT;

void ub_icu_set_data_hook(void (*hook)(void))
{
    data_hook = hook;
}

static void run_hook(void)
{
    if (data_hook)
        data_hook();
}

void ub_icu_ready(void)
{
    pthread_once(&data_once, run_hook);
}

UConverter *ub_icu_open(const char *name, UErrorCode *err)
{
    ub_icu_ready();
    return ucnv_open(name, err);
}

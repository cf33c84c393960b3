/*
 * icudata.c -- ICU's data for the command.
 *
 * build/unbake links ICU's common library, uchardet and the C++ runtime
 * statically (the Makefile's CLI_STATIC, on by default): as shared
 * libraries they cost every start some 2 ms of the 5 the program took to
 * print its version, nearly all of it the dynamic linker binding
 * libstdc++'s own symbols (1,666 of the 1,881 bindings), which both ICU
 * and uchardet load.  ICU's data (31 MB: converters, aliases) stays in
 * libicudata.so, which every system with ICU has: linked statically it
 * would double the program's size, and ICU's static code, which refers to
 * the data directly, would make the program copy all of it at every start.
 *
 * So the program defines the empty data package that ICU's own stub data
 * library defines, under the name ICU's code looks for, and ub_icu_data_load()
 * hands ICU the real package from libicudata.so before a converter is
 * opened (udata_setCommonData(), ICU's way of supplying data to a build
 * with the stub).  Only converters need it (ICU's character properties
 * are built into its code), so main() sets it as the library's data hook
 * (src/lib/icu.h), run once before the first converter: loading the
 * library at every start took 0.7-1.7 ms of the 10 a 2 KiB file took.
 * Where ICU is linked as a shared library the definition is not seen
 * (hidden, as every symbol here: -fvisibility=hidden), ICU has its data
 * already and the call adds nothing.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <unicode/udata.h>
#include <unicode/utypes.h>

#include "cli.h"

#define UB_STR2(x) #x
#define UB_STR(x) UB_STR2(x)

/* The layout of an ICU common data package (ICU's stubdata.h): its header,
 * then a table of contents of count entries, none here. */
struct icu_stub_data {
    uint16_t header_size;
    uint8_t magic1, magic2;
    UDataInfo info;
    char padding[8];
    uint32_t count, reserved;
    uint32_t toc[4];
};

/* (the name ICU's code refers to, icudt<major>_dat; const, so read-only) */
extern const struct icu_stub_data U_ICUDATA_ENTRY_POINT;
const struct icu_stub_data U_ICUDATA_ENTRY_POINT __attribute__((aligned(16))) = {
    .header_size = 32,
    .magic1 = 0xda,
    .magic2 = 0x27,
    .info = {
        .size = sizeof(UDataInfo),
        .isBigEndian = U_IS_BIG_ENDIAN,
        .charsetFamily = U_CHARSET_FAMILY,
        .sizeofUChar = sizeof(UChar),
        .dataFormat = { 0x43, 0x6d, 0x6e, 0x44 },  /* "CmnD" */
        .formatVersion = { 1, 0, 0, 0 },
    },
};

void ub_icu_data_load(void)
{
    static const char lib[] = "libicudata.so." UB_STR(U_ICU_VERSION_MAJOR_NUM);
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        ub_msg(1, "ICU's data not found (%s): converters unavailable", dlerror());
        return;
    }
    /* (the handle stays open: ICU reads the package from it until exit) */
    const void *data = dlsym(h, "icudt" UB_STR(U_ICU_VERSION_MAJOR_NUM) "_dat");
    UErrorCode err = U_ZERO_ERROR;
    if (data)
        udata_setCommonData(data, &err);
    if (!data || U_FAILURE(err)) {
        ub_msg(1, "ICU's data in %s unusable (%s): converters unavailable", lib,
               data ? u_errorName(err) : dlerror());
    }
}

/*
 * unbake.c -- version, errors and the codec list of the public API.
 */
#include "codec.h"
#include "mbcs.h"
#include "unbake.h"

unsigned unbake_version(void)
{
    return UNBAKE_VERSION_NUMBER;
}

const char *unbake_version_string(void)
{
    return UNBAKE_VERSION_STRING;
}

const char *unbake_strerror(int code)
{
    switch (code) {
    case UNBAKE_OK: return "success";
    case UNBAKE_ENOMEM: return "out of memory";
    case UNBAKE_EINVAL: return "invalid argument";
    case UNBAKE_ESTATE: return "call out of order";
    case UNBAKE_ECODEC: return "unknown codec";
    case UNBAKE_EWRITE: return "output callback failed";
    case UNBAKE_EDATA: return "built-in data is corrupt";
    }
    return "unknown error";
}

int unbake_codec_count(void)
{
    return UB_NCODECS + ub_mbcs_count();
}

const char *unbake_codec_name(int index)
{
    if (index >= UB_NCODECS)
        return ub_mbcs_name(index - UB_NCODECS);
    const ub_codec_info *i = ub_codec_info_of(index);
    return i ? i->name : NULL;
}

#ifndef IVRMEDIA_CSNDFILE_SHIM_H
#define IVRMEDIA_CSNDFILE_SHIM_H
#include <sndfile.h>

/* sf_command takes a void* payload; these name the two calls we use. */
static inline int csndfile_set_original_samplerate(SNDFILE *file, int rate) {
    return sf_command(file, SFC_SET_ORIGINAL_SAMPLERATE, &rate, (int)sizeof(rate));
}
static inline int csndfile_get_current_info(SNDFILE *file, SF_INFO *info) {
    return sf_command(file, SFC_GET_CURRENT_SF_INFO, info, (int)sizeof(*info));
}
#endif

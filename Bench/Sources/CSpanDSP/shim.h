#ifndef IVRMEDIA_BENCH_CSPANDSP_SHIM_H
#define IVRMEDIA_BENCH_CSPANDSP_SHIM_H
/* Only the DTMF receiver of SpanDSP, for the comparison in Bench. <spandsp.h> would pull in every
   module (and libtiff's headers); dtmf.h needs telephony.h (SPAN_DECLARE), logging.h and
   super_tone_rx.h (tone_report_func_t). */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <spandsp/telephony.h>
#include <spandsp/logging.h>
#include <spandsp/super_tone_rx.h>
#include <spandsp/dtmf.h>
#endif

#ifndef KTUNE_CNUMA_SHIM_H
#define KTUNE_CNUMA_SHIM_H
#include <numa.h>
#endif

#ifndef KTUNE_CHWLOC_SHIM_H
#define KTUNE_CHWLOC_SHIM_H
#include <hwloc.h>
#endif

#ifndef GATECHECK_CLIBFUZZER_H
#define GATECHECK_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// The fuzz target, defined in Swift with `@_cdecl("LLVMFuzzerTestOneInput")`.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/// Runs libFuzzer's driver (compiler-rt's `LLVMFuzzerRunDriver`) on `LLVMFuzzerTestOneInput` with the process
/// arguments. SwiftPM gives every executable its own `main`, so libFuzzer's `main` is not used.
int gatecheck_fuzz_main(int argc, char **argv);

#endif

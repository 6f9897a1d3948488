import CLibFuzzer
import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzSuiteLoader(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

exit(gatecheck_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv))

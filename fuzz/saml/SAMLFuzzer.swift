import Foundation
import GatehouseFuzzing

#if FUZZING
    /// libFuzzer's driver (`make fuzz-saml` builds with -sanitize=fuzzer and -DFUZZING).
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The function libFuzzer calls with each input.
    @_cdecl("LLVMFuzzerTestOneInput")
    func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        guard let data else { return 0 }
        SAMLFuzzEntry.run(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }

    /// SwiftPM links an executable's entry point as `<Target>_main` (and `main` to it); here it
    /// hands over to libFuzzer's driver.
    @_cdecl("SAMLFuzzer_main")
    func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
    }
#else
    /// Without libFuzzer: replays the files named on the command line (a crasher, a corpus).
    @main struct SAMLFuzzReplay {
        static func main() throws {
            for path in CommandLine.arguments.dropFirst() {
                SAMLFuzzEntry.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
                print("ok \(path)")
            }
        }
    }
#endif

#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS's `cblas_sgemm`, loaded at run time with dlopen when the library is installed: the matmul
/// baseline `ktune bench` measures side by side with ours.
///
/// OpenBLAS reads its environment once, when it loads. This machine's environment sets
/// `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE`, which make it pick its AVX2 kernels at half speed
/// (measured with OpenBLAS 0.3.21 on Zen 4/Zen 5), so both are unset before `dlopen`. `OPENBLAS_THREAD_TIMEOUT` is set
/// to its minimum so that its idle threads stop spinning (by default for ~2²⁸ cycles) instead of
/// stealing the cores from the interleaved runs of our kernel.
final class OpenBLASBaseline {
    private typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float,
                                              UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
                                              UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetConfig = @convention(c) () -> UnsafePointer<CChar>?

    private let handle: UnsafeMutableRawPointer
    private let sgemmFunction: SGEMM
    /// The library's own description (version, core type), for reports.
    let name: String

    /// Loads libopenblas with `threads` threads, or returns nil (with the reason) when it is absent.
    static func load(threads: Int) -> Result<OpenBLASBaseline, LoadError> {
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv("OPENBLAS_L2_SIZE")
        setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
        for lib in ["libopenblas.so.0", "libopenblas.so"] {
            guard let h = dlopen(lib, RTLD_NOW | RTLD_LOCAL) else { continue }
            guard let s = dlsym(h, "cblas_sgemm") else { dlclose(h); continue }
            let sgemm = unsafeBitCast(s, to: SGEMM.self)
            if let t = dlsym(h, "openblas_set_num_threads") {
                unsafeBitCast(t, to: SetThreads.self)(Int32(threads))
            }
            var name = "openblas"
            if let g = dlsym(h, "openblas_get_config"), let text = unsafeBitCast(g, to: GetConfig.self)() {
                name = String(cString: text).trimmingCharacters(in: " \n")
            }
            return .success(OpenBLASBaseline(handle: h, sgemm: sgemm, name: name))
        }
        return .failure(LoadError(reason: dlerror().map { String(cString: $0) } ?? "libopenblas.so.0 not found"))
    }

    struct LoadError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "OpenBLAS not available: \(reason)" }
    }

    private init(handle: UnsafeMutableRawPointer, sgemm: SGEMM, name: String) {
        self.handle = handle
        self.sgemmFunction = sgemm
        self.name = name
    }

    /// C = A·B (row-major), B as [K×N] (`transposedB` false) or [N×K] (true).
    func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
               transposedB: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112
        sgemmFunction(rowMajor, noTrans, transposedB ? trans : noTrans, Int32(m), Int32(n), Int32(k), 1,
                      a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

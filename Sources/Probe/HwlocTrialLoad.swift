import CHwloc
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads an untrusted topology XML once in a forked child before the probe loads it in-process.
///
/// hwloc 2.9's XML loader dereferences null on some malformed files instead of refusing them (found by the
/// hwloc fuzz harness: a root object whose `complete_cpuset` attribute is misspelt makes
/// `hwloc_insert_object_by_parent` crash inside `hwloc_topology_load`; `lstopo -i` crashes the same way).
/// Patching cases one by one cannot keep up with a C library's loader, so every file is first loaded where
/// a crash only ends a child process: a signal there becomes a typed error naming the file.
enum HwlocTrialLoad {
    /// Longest a trial load may take before the child is killed and the file refused.
    static let timeoutSeconds = 20.0

    static func check(path: String) throws(ProbeError) {
        fflush(nil)
        let pid = fork()
        if pid < 0 { return }   // no process to spare: fall through to the in-process load, as before
        if pid == 0 {
            // Child: quiet, load, exit. Only hwloc calls and _exit (no Swift runtime work after fork).
            // A crash must end the child by its signal: a handler inherited from the parent (the Swift
            // backtracer's, a sanitizer's, libFuzzer's) could turn it into an ordinary exit instead.
            for s in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { _ = signal(s, SIG_DFL) }
            let devNull = open("/dev/null", O_WRONLY)
            if devNull >= 0 { dup2(devNull, 2); dup2(devNull, 1) }
            var topo: hwloc_topology_t?
            guard hwloc_topology_init(&topo) == 0, let topo else { _exit(0) }
            hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_ALL)
            hwloc_topology_set_type_filter(topo, HWLOC_OBJ_OS_DEVICE, HWLOC_TYPE_FILTER_KEEP_ALL)
            if hwloc_topology_set_xml(topo, path) == 0 { _ = hwloc_topology_load(topo) }
            hwloc_topology_destroy(topo)
            _exit(0)
        }
        var status: Int32 = 0
        let start = Clock.now()
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return }
            if Clock.now() - start > timeoutSeconds {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw .topologyFile(path: path, reason: "hwloc did not finish loading it within \(Int(timeoutSeconds)) s (refused)")
            }
            usleep(2_000)
        }
        // WIFSIGNALED / WTERMSIG are macros: the low 7 bits hold the signal, 0 for a normal exit.
        let signal = status & 0x7f
        if signal != 0 && signal != 0x7f {
            throw .topologyFile(path: path, reason: "hwloc's XML loader crashed on it (signal \(signal) in an isolated trial load): the file is malformed — check that every object has its cpuset, complete_cpuset and nodeset attributes spelt as `lstopo --of xml` writes them")
        }
        // The child exits 0 on every path it controls; anything else means the load did not end normally
        // (a crash turned into an exit by some handler), and the file must not be loaded in-process.
        let exitCode = (status >> 8) & 0xff
        if signal == 0 && exitCode != 0 {
            throw .topologyFile(path: path, reason: "hwloc's XML loader did not end normally on it (exit status \(exitCode) in an isolated trial load): the file is malformed")
        }
    }

    private enum Clock {
        static func now() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        }
    }
}

import FarmProtocol
import Foundation

/// Facts about the machine and process a worker runs on, read from the system (Linux `/proc`, with
/// Foundation's answers as the fallback elsewhere).
public enum LocalHost {
    /// The machine's host name (`gethostname`), sanitized as an identifier.
    public static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        return sanitizedIdentifier(name, fallback: "localhost")
    }

    /// `<hostname>-<pid>`: the default worker id.
    public static var defaultWorkerID: String {
        sanitizedIdentifier("\(hostname)-\(ProcessInfo.processInfo.processIdentifier)", fallback: "worker")
    }

    /// HELLO's host facts: host name, logical cores, physical memory (`MemTotal` of `/proc/meminfo`).
    static func facts(accelerator: String?) -> HostFacts {
        let cores = UInt32(clamping: ProcessInfo.processInfo.activeProcessorCount)
        return HostFacts(hostname: hostname, cpuCores: cores, memoryBytes: totalMemoryBytes,
                         accelerator: accelerator.map { sanitizedIdentifier($0, fallback: "unknown") })
    }

    /// Physical memory in bytes: `/proc/meminfo`'s `MemTotal`, else Foundation's figure.
    static var totalMemoryBytes: UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
              let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) })
        else { return ProcessInfo.processInfo.physicalMemory }
        return kibibytes * 1024
    }

    /// Resident memory of this process in bytes (`/proc/self/statm`'s second field, in pages); 0 when
    /// unknown.
    static var residentBytes: UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
        return pages * UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 0))
    }

    /// `text` made a valid protocol identifier: control characters become `_`, it is cut to 256 UTF-8
    /// bytes at a scalar boundary, and an empty result becomes `fallback`.
    public static func sanitizedIdentifier(_ text: String, fallback: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            let clean = scalar.properties.generalCategory == .control ? "_" : String(scalar)
            guard result.utf8.count + clean.utf8.count <= maxIdentifierBytes else { break }
            result += clean
        }
        return result.isEmpty ? fallback : result
    }

    /// The protocol's longest identifier, UTF-8 bytes.
    static let maxIdentifierBytes = 256
}


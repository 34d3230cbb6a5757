import Foundation
import Logging

/// Log setup of the daemons: swift-log to standard error, one line per event with its metadata.
enum FarmLogging {
    /// Routes every `Logger` to standard error at `level` (`trace` … `critical`); call once, first.
    static func bootstrap(level: String) throws {
        guard let parsed = Logger.Level(rawValue: level) else {
            throw FarmCommandError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got '\(level)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}

/// Calls `action` once when the process gets SIGTERM or SIGINT (the default handlers are replaced), and
/// `again` on every later one.
final class SignalWatch: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "customnet.signals")
    private var count = 0

    init(action: @escaping @Sendable () -> Void, again: @escaping @Sendable () -> Void = {}) {
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [unowned self] in
                count += 1
                if count == 1 { action() } else { again() }
            }
            source.resume()
            sources.append(source)
        }
    }
}

/// A farm command that cannot go on, in one line.
struct FarmCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

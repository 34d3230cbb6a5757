import Foundation

/// How far the job is and how fast it goes: counts, wall time, throughput and, while tasks remain, the ETA.
struct ReportProgress: Sendable {
    /// Where an ETA comes from.
    enum ETASource: Sendable {
        /// Passed in by the caller (the coordinator knows its workers).
        case given
        /// Remaining tasks over the throughput so far.
        case throughput
        /// Remaining tasks × the mean render time, spread over the workers seen.
        case meanRenderTime
    }

    var total = 0, committed = 0, failed = 0, pending = 0, leased = 0
    /// From the first lease (or commit) to now while tasks remain, else to the last commit or failure.
    var wallSeconds: Double?
    var imagesPerHour: Double?
    var meanRenderSeconds: Double?
    var eta: (seconds: Double, source: ETASource)?

    var unfinished: Int { pending + leased }
    var isPartial: Bool { unfinished > 0 }

    init(data: JobReportData, eta givenETA: TimeInterval?, now: Date) {
        total = data.tasks.count
        for task in data.tasks {
            switch task.state {
            case .committed: committed += 1
            case .failed: failed += 1
            case .pending: pending += 1
            case .leased: leased += 1
            }
        }
        let renderTimes = data.tasks.compactMap { $0.result?.details.renderSeconds }
        meanRenderSeconds = renderTimes.isEmpty ? nil : renderTimes.reduce(0, +) / Double(renderTimes.count)

        let lastFailure = data.tasks.flatMap(\.events).filter { $0.kind.hasPrefix("failed-") }.map(\.time).max()
        if let start = data.firstLeaseAt ?? data.firstCommitAt {
            let end = unfinished > 0 ? now : [data.lastCommitAt, lastFailure].compactMap { $0 }.max() ?? now
            wallSeconds = max(0, end.timeIntervalSince(start))
            if let wallSeconds, wallSeconds > 0, committed > 0 { imagesPerHour = Double(committed) / wallSeconds * 3600 }
        }

        guard unfinished > 0 else { return }
        if let givenETA {
            eta = (max(0, givenETA), .given)
        } else if committed >= 2, let start = data.firstLeaseAt ?? data.firstCommitAt, let last = data.lastCommitAt,
                  last.timeIntervalSince(start) > 0 {
            eta = (Double(unfinished) * last.timeIntervalSince(start) / Double(committed), .throughput)
        } else if let meanRenderSeconds {
            eta = (Double(unfinished) * meanRenderSeconds / Double(max(1, data.workers.count)), .meanRenderTime)
        }
    }
}

/// Durations and times as the report writes them.
enum ReportFormat {
    /// `0.5 s`, `12 s`, `4.2 min`, `3.1 h`, `2.5 days`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1f s", seconds) }
        if seconds < 90 { return String(format: "%.0f s", seconds) }
        if seconds < 90 * 60 { return String(format: "%.1f min", seconds / 60) }
        if seconds < 48 * 3600 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f days", seconds / 86400)
    }

    /// `2027-01-15 08:00:00 UTC`.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    /// `2027-01-15T08:00:00Z`, for JSON.
    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

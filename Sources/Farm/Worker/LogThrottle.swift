/// Lets through at most `burst` log lines per `window` seconds and counts the rest, so a peer
/// flooding bad messages cannot flood the log.
struct LogThrottle {
    private let burst: Int
    private let window: Duration
    private var windowStart: ContinuousClock.Instant?
    private var used = 0
    private var suppressed = 0

    init(burst: Int = 5, windowSeconds: Double = 10) {
        self.burst = burst
        window = .seconds(windowSeconds)
    }

    /// Whether to log now; when true, also how many lines were dropped since the last one logged.
    mutating func admit(at now: ContinuousClock.Instant) -> (admitted: Bool, suppressed: Int) {
        if windowStart.map({ now - $0 >= window }) ?? true {
            windowStart = now
            used = 0
        }
        guard used < burst else {
            suppressed += 1
            return (false, 0)
        }
        used += 1
        defer { suppressed = 0 }
        return (true, suppressed)
    }
}

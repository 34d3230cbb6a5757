/// Reconnect delays: `initial` doubling per attempt up to `maximum`, each drawn uniformly from the
/// upper half of the current step ("equal jitter"), so workers lost together do not return together.
struct ReconnectBackoff {
    private let initial: Double
    private let maximum: Double
    private var step: Double

    init(initial: Double, maximum: Double) {
        self.initial = max(initial, 0)
        self.maximum = max(maximum, self.initial)
        step = self.initial
    }

    /// The next delay, seconds.
    mutating func next() -> Double {
        let base = step
        step = min(step * 2, maximum)
        return base / 2 + Double.random(in: 0 ... base / 2)
    }

    /// Back to `initial`, after a successful handshake.
    mutating func reset() { step = initial }
}

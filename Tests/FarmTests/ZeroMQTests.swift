import CZeroMQ
import Testing
@testable import Farm

/// The ZeroMQ wrapper over real sockets on TCP loopback.
struct ZeroMQTests {
    @Test func curveSecurityIsAvailable() {
        #expect(ZeroMQ.has("curve"))
        #expect(ZeroMQ.version.hasPrefix("4."))
    }

    @Test func routerAndDealerExchangeMultipartMessages() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(.router, context: context)
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"))
        let first = try ZMQSocket(.dealer, context: context)
        let second = try ZMQSocket(.dealer, context: context)
        try first.connect(endpoint)
        try second.connect(endpoint)

        let big = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let fromFirst: [[UInt8]] = [Array("HELLO".utf8), [], big]
        let fromSecond: [[UInt8]] = [Array("second".utf8)]
        try first.send(fromFirst)
        try second.send(fromSecond)

        var peers: [[UInt8]: [[UInt8]]] = [:]
        for _ in 0..<2 {
            let message = try #require(try router.receive(timeoutMilliseconds: 5000))
            peers[message[0]] = Array(message.dropFirst())
        }
        #expect(peers.count == 2, "each dealer gets its own routing id")
        let firstIdentity = try #require(peers.first { $0.value == fromFirst }?.key)
        let secondIdentity = try #require(peers.first { $0.value == fromSecond }?.key)

        try router.send([secondIdentity, Array("to second".utf8)])
        try router.send([firstIdentity] + fromFirst.reversed())
        #expect(try second.receive(timeoutMilliseconds: 5000) == [Array("to second".utf8)])
        #expect(try first.receive(timeoutMilliseconds: 5000) == fromFirst.reversed())
    }

    @Test func receiveTimesOutWithNil() throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(.pull, context: context)
        try pull.bind("tcp://127.0.0.1:*")
        #expect(try pull.receive(timeoutMilliseconds: 20) == nil)
    }

    @Test func routerMandatoryRefusesUnknownPeers() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(.router, context: context)
        try router.setRouterMandatory(true)
        try router.bind("tcp://127.0.0.1:*")
        #expect(throws: ZeroMQError.self) { try router.send([Array("nobody".utf8), [1]]) }
        do {
            try router.send([Array("nobody".utf8), [1]])
        } catch {
            #expect(error.code == EHOSTUNREACH)
        }
    }

    @Test func oversizedMessagesNeverReachTheApplication() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(.router, context: context)
        try router.setMaximumMessageSize(1024)
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        let attacker = try ZMQSocket(.dealer, context: context)
        try attacker.connect(endpoint)
        try attacker.send([[UInt8](repeating: 7, count: 4096)])
        #expect(try router.receive(timeoutMilliseconds: 300) == nil)

        let polite = try ZMQSocket(.dealer, context: context)
        try polite.connect(endpoint)
        try polite.send([[1, 2, 3]])
        let message = try #require(try router.receive(timeoutMilliseconds: 5000))
        #expect(message.last == [1, 2, 3])
    }

    @Test func aClosedSocketThrowsInsteadOfCrashing() throws {
        let context = try ZMQContext()
        let dealer = try ZMQSocket(.dealer, context: context)
        dealer.close()
        dealer.close()
        let error = #expect(throws: ZeroMQError.self) { try dealer.send([[1]]) }
        #expect(error?.code == ENOTSOCK)
        #expect(error?.description.contains("closed socket") == true)
    }
}

import Foundation
import Testing
@testable import FarmProtocol

/// The module's own SHA-256 against the FIPS 180-2 / NIST vectors and the system's `sha256sum`.
struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func nistVectors(_ message: String, _ digest: String) {
        #expect(SHA256.hexDigest(Array(message.utf8)) == digest)
    }

    @Test func oneMillionLetterA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hexDigest(message) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func digestIsThirtyTwoBytes() {
        #expect(SHA256.digest([1, 2, 3]).count == 32)
        #expect(Hex.lowercase(SHA256.digest([])) == SHA256.hexDigest([]))
    }

    /// Lengths around the padding boundaries (55, 56, 63, 64, 119, 120 bytes) and a few larger files.
    @Test func agreesWithSha256sumOnFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("farmprotocol-sha256-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SplitMix64(seed: 0x5eed)
        var expected: [String: String] = [:]
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 4096, 100_003] {
            let bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let url = folder.appendingPathComponent("random-\(length).bin")
            try Data(bytes).write(to: url)
            expected[url.path] = SHA256.hexDigest(bytes)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum"] + expected.keys.sorted()
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        var checked = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            try #require(parts.count == 2)
            let path = String(parts[1].drop { $0 == " " || $0 == "*" })
            #expect(expected[path] == String(parts[0]), "\(path)")
            checked += 1
        }
        #expect(checked == expected.count)
    }
}

/// A small seeded generator (SplitMix64), so randomised tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        return mixed ^ (mixed >> 31)
    }
}

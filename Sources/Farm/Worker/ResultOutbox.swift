import FarmProtocol
import Foundation
import Logging

/// A result waiting for its `ACK`: the `RESULT` envelope as first made, so every resend carries the
/// same `msg_id` and the coordinator can recognise the copy.
struct OutboxEntry: Sendable {
    let lease: LeaseRef
    let envelope: Envelope
}

/// The worker's durable outbox: one folder holding, per unacknowledged result, `<task_id>-<lease_id>.png`
/// (the image) and `<task_id>-<lease_id>.json` (the `ResultReport` fields plus `msg_id`, `sent_at`,
/// `image_sha256` and `image_size`). The PNG is written first and the JSON last, each through a
/// temporary file, `fsync` and `rename`, so a JSON file means a complete entry. Anything else found
/// in the folder at start-up is logged and moved aside to `corrupt/`.
///
/// Safe to use from several threads as long as each entry is touched by one at a time (the executor
/// thread stores, the socket thread loads and removes).
struct ResultOutbox: Sendable {
    /// The outbox folder.
    let path: String
    private let logger: Logger

    /// Opens (creating when missing) the outbox at `path`.
    init(path: String, logger: Logger) throws(WorkerError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .outboxUnusable(path: path, problem: "cannot create the folder: \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: path) else { throw .outboxUnusable(path: path, problem: "not writable") }
        self.path = path
        self.logger = logger
    }

    /// Stores a result durably and returns its entry; the envelope is made here, once.
    func store(_ report: ResultReport, image: Blob, sentAt: Timestamp) throws(FileProblem) -> OutboxEntry {
        let envelope = Envelope(.result(report, image: image), sentAt: sentAt)
        let record = OutboxRecord(report: report, msgID: envelope.id, sentAt: sentAt, imageSHA256: image.sha256,
                                  imageSize: UInt64(image.bytes.count))
        let stem = Self.stem(report.taskID, report.leaseID)
        let json: Data
        do {
            json = try JSONEncoder.sorted.encode(record)
        } catch {
            throw FileProblem(path: path + "/" + stem + ".json", action: "encode", reason: "\(error)")
        }
        try DurableFile.store(image.bytes, named: stem + ".png", in: path)
        try DurableFile.store(Array(json), named: stem + ".json", in: path)
        return OutboxEntry(lease: LeaseRef(taskID: report.taskID, leaseID: report.leaseID), envelope: envelope)
    }

    /// Every complete, valid entry, oldest first. Damaged or foreign files are moved to `corrupt/`.
    func load() -> [OutboxEntry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            logger.error("cannot list the outbox", metadata: ["outbox": "\(path)", "error": "\(error.localizedDescription)"])
            return []
        }
        var entries: [OutboxEntry] = []
        let images = Set(names.filter { Self.lease(fromFileName: $0, extension: "png") != nil })
        var claimed: Set<String> = []
        for name in names.sorted() where name != Self.corruptFolder && !images.contains(name) {
            guard let lease = Self.lease(fromFileName: name, extension: "json") else {
                moveAside(name, because: "not an outbox file (an interrupted write leaves `.*.tmp`)")
                continue
            }
            let image = Self.stem(lease.taskID, lease.leaseID) + ".png"
            claimed.insert(image)
            do throws(FileProblem) {
                entries.append(try read(lease, json: name, image: image))
            } catch {
                moveAside(name, because: error.description)
                if images.contains(image) { moveAside(image, because: error.description) }
            }
        }
        for orphan in images.subtracting(claimed).sorted() { moveAside(orphan, because: "an image without its .json (the write was interrupted)") }
        return entries.sorted { $0.envelope.sentAt < $1.envelope.sentAt }
    }

    /// Deletes the entry for `lease` (JSON first: without it the image is an orphan, never an entry).
    func remove(_ lease: LeaseRef) {
        let stem = Self.stem(lease.taskID, lease.leaseID)
        for name in [stem + ".json", stem + ".png"] where unlink(path + "/" + name) != 0 && errno != ENOENT {
            logger.error("cannot delete an acknowledged outbox file",
                         metadata: ["file": "\(path)/\(name)", "error": "\(String(cString: strerror(errno)))"])
        }
    }

    private func read(_ lease: LeaseRef, json: String, image: String) throws(FileProblem) -> OutboxEntry {
        let jsonPath = path + "/" + json, imagePath = path + "/" + image
        guard let jsonData = FileManager.default.contents(atPath: jsonPath) else { throw FileProblem(path: jsonPath, action: "read") }
        let record: OutboxRecord
        do {
            record = try JSONDecoder().decode(OutboxRecord.self, from: jsonData)
        } catch {
            throw FileProblem(path: jsonPath, action: "decode", reason: "\(error)")
        }
        guard record.report.taskID == lease.taskID, record.report.leaseID == lease.leaseID else {
            throw FileProblem(path: jsonPath, action: "use", reason: "it names task \(record.report.taskID) lease \(record.report.leaseID)")
        }
        guard let bytes = FileManager.default.contents(atPath: imagePath) else {
            throw FileProblem(path: imagePath, action: "read", reason: "missing or unreadable")
        }
        let blob = Blob(Array(bytes))
        guard blob.sha256 == record.imageSHA256, UInt64(blob.bytes.count) == record.imageSize else {
            throw FileProblem(path: imagePath, action: "use", reason: "its SHA-256 or size differs from the .json's")
        }
        let envelope = Envelope(.result(record.report, image: blob), id: record.msgID, sentAt: record.sentAt)
        do {
            _ = try envelope.encode()
        } catch {
            throw FileProblem(path: jsonPath, action: "resend", reason: "the RESULT would not encode: \(error)")
        }
        return OutboxEntry(lease: lease, envelope: envelope)
    }

    private func moveAside(_ name: String, because reason: String) {
        let corrupt = path + "/" + Self.corruptFolder
        try? FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        var target = corrupt + "/" + name
        if FileManager.default.fileExists(atPath: target) { target += "." + UUID().uuidString.prefix(8).lowercased() }
        let moved = rename(path + "/" + name, target) == 0
        logger.error("outbox entry is damaged; moved aside",
                     metadata: ["file": "\(path)/\(name)", "reason": "\(reason)", "moved_to": "\(moved ? target : "(move failed)")"])
    }

    /// The folder damaged entries are moved to.
    static let corruptFolder = "corrupt"

    static func stem(_ taskID: String, _ leaseID: UInt64) -> String { "\(taskID)-\(leaseID)" }

    /// The lease named by `<64 hex>-<lease id>.<ext>`, or nil for any other name.
    static func lease(fromFileName name: String, extension ext: String) -> LeaseRef? {
        guard name.hasSuffix("." + ext) else { return nil }
        let parts = name.dropLast(ext.count + 1).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 64,
              parts[0].utf8.allSatisfy({ (48 ... 57).contains($0) || (97 ... 102).contains($0) }),
              parts[1].allSatisfy(\.isASCII), let leaseID = UInt64(parts[1]), leaseID >= 1,
              String(leaseID) == parts[1]
        else { return nil }
        return LeaseRef(taskID: String(parts[0]), leaseID: leaseID)
    }
}

/// An outbox `.json` file: the `ResultReport`'s own fields, flat, plus the envelope's id and time and
/// the image's digest and size.
private struct OutboxRecord: Codable {
    var report: ResultReport
    var msgID: MessageID
    var sentAt: Timestamp
    var imageSHA256: String
    var imageSize: UInt64

    init(report: ResultReport, msgID: MessageID, sentAt: Timestamp, imageSHA256: String, imageSize: UInt64) {
        self.report = report
        self.msgID = msgID
        self.sentAt = sentAt
        self.imageSHA256 = imageSHA256
        self.imageSize = imageSize
    }

    enum CodingKeys: String, CodingKey {
        case msgID = "msg_id", sentAt = "sent_at", imageSHA256 = "image_sha256", imageSize = "image_size"
    }

    init(from decoder: any Decoder) throws {
        report = try ResultReport(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        msgID = try container.decode(MessageID.self, forKey: .msgID)
        sentAt = try container.decode(Timestamp.self, forKey: .sentAt)
        imageSHA256 = try container.decode(String.self, forKey: .imageSHA256)
        imageSize = try container.decode(UInt64.self, forKey: .imageSize)
    }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(msgID, forKey: .msgID)
        try container.encode(sentAt, forKey: .sentAt)
        try container.encode(imageSHA256, forKey: .imageSHA256)
        try container.encode(imageSize, forKey: .imageSize)
    }
}

private extension JSONEncoder {
    /// Sorted keys, so the same entry gives the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

import Foundation
import ImageIO
import Testing
@testable import Farm

/// A small real job for the report tests: object images, a stand-in checkpoint and metric encoder
/// files, a spec (2 objects × polar × 3 azimuths × 2 prompts × 1 seed), a real store, and synthetic
/// PNG "renders" (the object pasted onto a scene, turned with the azimuth) committed with known scores.
struct ReportJob {
    static let prompts = [#"a toy on a "wooden" table <morning light> & café ☕"#, "a toy on the beach at sunset"]
    static let objects = ["toy-robot", "duck-toy"]

    /// The temporary folder holding everything.
    let folder: String
    let specPath: String
    /// The job's output folder (absolute).
    let output: String
    let store: FarmStore
    let plan: JobPlan
    /// Side of the rendered PNGs.
    let imageSide: Int
    /// The clock: each lease and commit moves it on.
    var now = StoreFixtures.start

    /// Sets up the job in `folder` and submits it. `metrics: false` leaves the encoders out of the spec.
    init(in folder: URL, metrics: Bool = true, polars: [Double] = [0], imageSide: Int = 256, specYAML: String? = nil) throws {
        self.folder = folder.path
        self.imageSide = imageSide
        let manager = FileManager.default
        for name in ["objects", "model", "encoders/clip-vit-base-patch32"] {
            try manager.createDirectory(atPath: self.folder + "/" + name, withIntermediateDirectories: true)
        }
        for object in Self.objects {
            try manager.copyItem(atPath: JobSpecFixtures.jobs + "/objects/\(object).png", toPath: self.folder + "/objects/\(object).png")
        }
        try Data("stand-in checkpoint".utf8).write(to: folder.appendingPathComponent("model/customnet-stand-in.safetensors"))
        try Data("stand-in dino".utf8).write(to: folder.appendingPathComponent("encoders/dino_deitsmall16_pretrain.pth"))
        try Data("stand-in clip".utf8).write(to: folder.appendingPathComponent("encoders/clip-vit-base-patch32/model.safetensors"))
        let yaml = """
            name: report-demo
            model: {checkpoint: model/customnet-stand-in.safetensors, preset: customnet-v1}
            \(metrics ? "metrics: {dino: encoders/dino_deitsmall16_pretrain.pth, clip: encoders/clip-vit-base-patch32}" : "")
            objects:
              - {id: toy-robot, image: objects/toy-robot.png}
              - {id: duck-toy, image: objects/duck-toy.png}
            viewpoints: {polar: [\(polars.map { JobSpecParser.formatted($0) }.joined(separator: ", "))], azimuth: [-30, 0, 30]}
            prompts:
              - '\(Self.prompts[0])'
              - \(Self.prompts[1])
            seeds: [1234]
            retries: 1
            output: out

            """
        specPath = self.folder + "/report-demo.yaml"
        try yaml.write(toFile: specPath, atomically: true, encoding: .utf8)
        let file = try JobSpecFile.load(path: specPath)
        plan = try JobPlan.make(from: file, digests: FileDigests())
        output = plan.spec.output
        try manager.createDirectory(atPath: self.folder + "/state/report-demo", withIntermediateDirectories: true)
        store = try FarmStore(path: self.folder + "/state/report-demo/farm.sqlite", now: now)
        _ = try store.submit(plan: plan, specYAML: specYAML ?? yaml, specPath: specPath, now: now)
    }

    /// The scores committed for `task` (DINO-I and CLIP-I fall with the azimuth; nil without metrics).
    func scores(for task: TaskSpec) -> (dino: Double?, clip: Double?, clipT: Double?) {
        guard plan.spec.metrics != nil else { return (nil, nil, nil) }
        let object = Double(Self.objects.firstIndex(of: task.objectID) ?? 0)
        let prompt = Double(Self.prompts.firstIndex(of: task.prompt) ?? 0)
        let turn = abs(task.azimuth) / 30 + abs(task.polar) / 15
        return (0.78 - 0.06 * turn - 0.05 * object + 0.01 * prompt, 0.86 - 0.03 * turn - 0.02 * object,
                0.27 + 0.03 * prompt - 0.005 * turn + 0.004 * object)
    }

    /// Render seconds of `task`: 40 s give or take, by its place in the plan.
    func renderSeconds(for task: TaskSpec) -> Double {
        38 + Double((plan.tasks.firstIndex { $0.id == task.id } ?? 0) % 5)
    }

    /// Leases the next task to `worker`, writes its PNG and commits it with its scores.
    @discardableResult
    mutating func commitNext(worker: String = "node-a") throws -> LeaseGrant {
        let grant = try StoreFixtures.lease(store, worker: worker, at: now)
        try commit(grant, worker: worker)
        return grant
    }

    /// Writes the PNG of `grant`'s task and commits it with its scores.
    mutating func commit(_ grant: LeaseGrant, worker: String = "node-a") throws {
        let path = try ImageTree(root: output).write(PNG.encode(render(grant.task)), forTaskNamed: grant.task.name)
        let scores = scores(for: grant.task)
        let seconds = renderSeconds(for: grant.task)
        now += seconds
        let outcome = try store.commit(taskID: grant.taskID, leaseID: grant.leaseID, sha256: String(repeating: "a", count: 64), size: 1000,
                                       details: ResultDetails(workerID: worker, imagePath: path, dinoI: scores.dino, clipI: scores.clip,
                                                              clipT: scores.clipT, renderSeconds: seconds, encodeSeconds: 0.5),
                                       now: now)
        #expect(outcome.disposition == .committed)
    }

    /// Leases the next task to `worker` and reports it failed.
    @discardableResult
    mutating func failNext(worker: String = "node-b", as failureClass: FailureClass, message: String) throws -> LeaseGrant {
        let grant = try StoreFixtures.lease(store, worker: worker, at: now)
        now += 5
        _ = try store.fail(taskID: grant.taskID, leaseID: grant.leaseID, failureClass: failureClass, message: message, now: now)
        return grant
    }

    /// Leases the next task to `worker` and leaves it leased.
    @discardableResult
    mutating func leaseNext(worker: String = "node-c") throws -> LeaseGrant {
        try StoreFixtures.lease(store, worker: worker, at: now)
    }

    /// The usual finished job: the first task fails once (transient) and then renders, the second fails
    /// for good, the rest render.
    mutating func runWithOneFailure() throws {
        try failNext(as: .transient, message: "GPU lost; requeued")
        try commitNext()
        try failNext(as: .permanent, message: "prompt refused: <script>alert(\"x\")</script> & more")
        var count = 0
        while try store.status(job: plan.spec.name).pending > 0 {
            try commitNext(worker: count % 3 == 2 ? "node-b" : "node-a")
            count += 1
        }
    }

    /// A synthetic render of `task`: a scene per prompt (a wall and a table, or sky and sand), the object
    /// image standing on it, squeezed by the cosine of the azimuth and mirrored for negative azimuths.
    func render(_ task: TaskSpec) -> RasterImage {
        let side = imageSide
        let beach = task.prompt == Self.prompts[1]
        var scene = RasterImage(width: side, height: side, layout: .rgb, filledWith: 0)
        let horizon = side * 62 / 100 - Int(task.polar) * side / 200
        for y in 0..<side {
            let t = Double(y) / Double(side)
            let color: (Double, Double, Double) = y < horizon
                ? (beach ? (250 - 40 * t, 170 + 40 * t, 140 + 60 * t) : (236, 226 - 10 * t, 206 - 10 * t))
                : (beach ? (226, 202, 150) : (146 - 20 * t + Double((y / max(1, side / 32)) % 2) * 8, 100 - 10 * t, 62))
            for x in 0..<side {
                for (channel, value) in [color.0, color.1, color.2].enumerated() { scene[x, y, channel] = UInt8(max(0, min(255, value))) }
            }
        }
        guard let object = try? PNG.read(path: task.imagePath) else { return scene }
        let height = side * 6 / 10
        let width = max(8, Int(Double(height) * max(0.4, cos(task.azimuth * .pi / 180))))
        let shrunk = object.resized(width: width, height: height, filter: .bicubic)
        let left = (side - width) / 2, top = horizon + side / 10 - height
        for y in 0..<height {
            for x in 0..<width {
                let sourceX = task.azimuth < 0 ? width - 1 - x : x
                let alpha = shrunk.layout == .rgba ? Double(shrunk[sourceX, y, 3]) / 255 : 1
                guard alpha > 0, left + x < side, top + y >= 0, top + y < side else { continue }
                for channel in 0..<3 {
                    let blended = alpha * Double(shrunk[sourceX, y, channel]) + (1 - alpha) * Double(scene[left + x, top + y, channel])
                    scene[left + x, top + y, channel] = UInt8(blended.rounded())
                }
            }
        }
        return scene
    }
}

/// Reading a written report back.
enum ReportReading {
    /// Every `src="…"` and `href="…"` value of `html` that is not a fragment.
    static func references(in html: String) -> [String] {
        var found: [String] = []
        for attribute in ["src=\"", "href=\""] {
            var rest = html[...]
            while let start = rest.range(of: attribute) {
                rest = rest[start.upperBound...]
                guard let end = rest.firstIndex(of: "\"") else { break }
                let value = String(rest[..<end])
                if !value.hasPrefix("#") { found.append(value) }
                rest = rest[end...]
            }
        }
        return found
    }

    /// The number of records in RFC 4180 text with CRLF line ends (quoted fields may hold line breaks).
    static func records(_ csv: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = "", quoted = false
        var characters = csv.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(character)
            }
        }
        return records
    }
}

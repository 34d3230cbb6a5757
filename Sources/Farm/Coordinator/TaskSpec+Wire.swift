import FarmProtocol

extension TaskSpec {
    /// The task as `ASSIGN` carries it, for job `jobID`.
    func assignment(jobID: String) -> TaskAssignment {
        TaskAssignment(jobID: jobID, outputName: name, objectID: objectID, imagePath: imagePath, imageDigest: imageDigest,
                       references: references, box: box.map { WireBox(x0: $0.x0, y0: $0.y0, x1: $0.x1, y1: $0.y1) },
                       polar: polar, azimuth: azimuth, prompt: prompt, promptSlug: promptSlug, seed: seed,
                       steps: UInt32(clamping: steps), guidance: guidance)
    }
}

extension FarmProtocol.FailureClass {
    /// The store's charging class for a worker's `FAIL`.
    var charged: FailureClass {
        switch self {
        case .transient: .transient
        case .task: .task
        case .worker: .worker
        }
    }
}

/// A lease named by its task and fencing token.
public struct LeaseRef: WireBody, Hashable {
    /// The task's id, 64 lowercase hex digits.
    public var taskID: String
    /// The lease's fencing token, ≥ 1.
    public var leaseID: UInt64

    public init(taskID: String, leaseID: UInt64) {
        self.taskID = taskID
        self.leaseID = leaseID
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", leaseID = "lease_id"
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.digest(taskID, "task_id", in: path)
        try FieldRules.leaseID(leaseID, "lease_id", in: path)
    }
}

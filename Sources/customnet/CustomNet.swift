import ArgumentParser
import Tensor

/// The `customnet` command line: the composition root of engine and farm.
@main
struct CustomNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customnet",
        abstract: "CustomNet render farm: object customization sweeps with diffusion models.",
        subcommands: [Run.self, Render.self, Validate.self, Score.self, CoordinatorCommand.self, WorkerCommand.self, Submit.self,
                      Status.self, Workers.self, Pause.self, Resume.self, Cancel.self, Requeue.self, Report.self, Model.self, Weights.self,
                      Bench.self, Doctor.self])

    static func main() {
        BLASKernelChoice.restartWithBetterKernelIfNeeded()
        FreedMemoryPolicy.keepFreedBlocksForReuse()
        main(nil)
    }
}

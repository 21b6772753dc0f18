using Rcnn.Training.Config;
using Rcnn.Training.Engine;
using Rcnn.Training.Solver;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Engine;

/// <summary>
/// A checkpoint is streamed from the tensors' native storage into the zip: saving must not copy the weights or the
/// optimizer state into managed arrays. Those copies (about 5x the state per save) were large-object garbage that the
/// GC kept committed: in a BCCD run, resident memory jumped from 1.0 to 2.4 GB after the iteration-200 checkpoint, and
/// 12 saves of the R18-FPN model alone took it from 0.5 to 2.2 GB (now flat at 0.51 GB, `benchmarks -- memory --saves 12`).
/// The truth is .NET's own count of bytes allocated on this thread, against the size of what is saved.
/// </summary>
[TestClass]
public class CheckpointerMemoryTests
{
    [TestMethod]
    public void SavingAllocatesFarLessManagedMemoryThanTheStateItWrites()
    {
        string dir = Directory.CreateTempSubdirectory("ckpt-mem").FullName;
        try
        {
            using var scope = NewDisposeScope();
            manual_seed(0);
            var model = nn.Sequential(("fc1", nn.Linear(1024, 1024)), ("fc2", nn.Linear(1024, 512)));
            var optimizer = OptimizerBuilder.BuildSgd(model, new SolverConfig { BaseLr = 0.1, Momentum = 0.9 });
            optimizer.zero_grad();
            ((nn.Module<Tensor, Tensor>)model).call(ones(4, 1024)).sum().backward();
            optimizer.step(); // momentum buffers now exist: the optimizer state is as large as the weights
            long stateBytes = 2 * model.parameters().Sum(p => p.numel() * 4); // weights + momentum, float32
            var checkpointer = new Checkpointer(dir, maxToKeep: 2);
            checkpointer.Save("model_0000000", model, optimizer, 0); // JIT and first-use allocations

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 1; i <= 3; i++) checkpointer.Save($"model_{i:D7}", model, optimizer, i);
            long perSave = (GC.GetAllocatedBytesForCurrentThread() - before) / 3;

            Console.WriteLine($"state {stateBytes / 1e6:F1} MB, managed allocation per save {perSave / 1e6:F2} MB");
            Assert.IsTrue(new FileInfo(Path.Combine(dir, "model_0000003.ckpt")).Length > stateBytes, "the checkpoint holds the whole state");
            Assert.IsTrue(perSave < stateBytes / 10,
                $"a save allocated {perSave / 1e6:F1} MB of managed memory for {stateBytes / 1e6:F1} MB of state: it copies the tensors");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

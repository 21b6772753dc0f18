using Rcnn.Training.Config;
using Rcnn.Training.Engine;
using Rcnn.Training.Solver;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Engine;

[TestClass]
public class CheckpointerTests
{
    private string dir = "";

    [TestInitialize]
    public void Init() => dir = Directory.CreateTempSubdirectory("ckpt").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(dir, true);

    private static (nn.Module Model, optim.Optimizer Opt) NewModel(int seed)
    {
        manual_seed(seed);
        var model = nn.Sequential(("fc", nn.Linear(3, 4)), ("bn", nn.BatchNorm1d(4)));
        var opt = OptimizerBuilder.BuildSgd(model, new SolverConfig { BaseLr = 0.1, Momentum = 0.9 });
        return (model, opt);
    }

    private static void Step(nn.Module model, optim.Optimizer opt)
    {
        opt.zero_grad();
        ((nn.Module<Tensor, Tensor>)model).call(ones(5, 3)).pow(2).sum().backward();
        opt.step();
    }

    [TestMethod]
    public void ResumeRestoresWeightsAndMomentumSoTheNextStepIsIdentical()
    {
        using var scope = NewDisposeScope();
        var (a, optA) = NewModel(1);
        Step(a, optA);
        var ckpt = new Checkpointer(dir);
        ckpt.Save("model_0000001", a, optA, 1);
        Step(a, optA);                                     // the uninterrupted run's next step

        var (b, optB) = NewModel(2);                       // a fresh process: other weights, no momentum yet
        Assert.AreEqual(1, new Checkpointer(dir).Resume(b, optB));
        Step(b, optB);
        foreach (var (name, t) in a.state_dict())
            Assert.IsTrue(t.allclose(b.state_dict()[name], rtol: 0, atol: 1e-7), $"{name} differs after resume + one step");
    }

    [TestMethod]
    public void ATruncatedOrTamperedCheckpointIsNeverPickedUp()
    {
        using var scope = NewDisposeScope();
        var (a, opt) = NewModel(1);
        var logs = new List<string>();
        var ckpt = new Checkpointer(dir, maxToKeep: 5, log: logs.Add);
        ckpt.Save("model_0000009", a, opt, 9);
        Step(a, opt);
        string newest = ckpt.Save("model_0000019", a, opt, 19);
        var bytes = File.ReadAllBytes(newest);
        File.WriteAllBytes(newest, bytes[..(bytes.Length / 2)]);   // as if the disk filled mid-copy

        var (b, optB) = NewModel(3);
        Assert.AreEqual(9, new Checkpointer(dir, log: logs.Add).Resume(b, optB));
        Assert.IsTrue(logs.Any(l => l.Contains("Skipping checkpoint") && l.Contains("model_0000019")), string.Join("\n", logs));

        // A crash between writing the temporary file and renaming it leaves only *.tmp-*: ignored too.
        File.WriteAllBytes(Path.Combine(dir, "model_0000029.ckpt.tmp-1234"), bytes);
        Assert.AreEqual(9, new Checkpointer(dir).Resume(b, optB));
        Assert.IsNull(Checkpointer.IterationOf(newest));
    }

    [TestMethod]
    public void KeepsOnlyTheNewestPeriodicCheckpointsAndFinalOnes()
    {
        using var scope = NewDisposeScope();
        var (a, opt) = NewModel(1);
        var ckpt = new Checkpointer(dir, maxToKeep: 2);
        foreach (int it in new[] { 99, 199, 299, 399 }) ckpt.Save($"model_{it:D7}", a, opt, it);
        ckpt.Save("model_final", a, opt, 400);
        CollectionAssert.AreEquivalent(new[] { "model_0000299.ckpt", "model_0000399.ckpt", "model_final.ckpt", "last_checkpoint" },
            Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
        Assert.AreEqual("model_final.ckpt", File.ReadAllText(Path.Combine(dir, "last_checkpoint")));
    }

    [TestMethod]
    public void WeightsLoadAloneFromACheckpointAndNothingToResumeIsNull()
    {
        using var scope = NewDisposeScope();
        var (a, opt) = NewModel(1);
        Assert.IsNull(new Checkpointer(dir).Resume(a, opt));
        string path = new Checkpointer(dir).Save("model_final", a, opt, 7);
        var (b, _) = NewModel(5);
        var report = Checkpointer.LoadWeights(path, b);
        Assert.IsTrue(report.IsComplete);
        Assert.IsTrue(a.state_dict()["fc.weight"].equal(b.state_dict()["fc.weight"]).all().item<bool>());
        Assert.ThrowsExactly<FileNotFoundException>(() => Checkpointer.LoadWeights(Path.Combine(dir, "nope.ckpt"), b));
    }
}

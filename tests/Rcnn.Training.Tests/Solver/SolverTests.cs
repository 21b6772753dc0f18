using Rcnn.Training.Config;
using Rcnn.Training.Solver;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Solver;

[TestClass]
public class SolverTests
{
    private static SolverConfig R50Fpn1x()
    {
        var cfg = RcnnConfig.FromFile(Path.Combine(AppContext.BaseDirectory, "models", "COCO-Detection", "faster_rcnn_R_50_FPN_1x.yaml"));
        return cfg.Solver;
    }

    [TestMethod]
    public void WarmupMultiStepMatchesDetectron2OneX()
    {
        // 1x: warmup 1000 iterations from 0.001 (linear), x0.1 at 60000 and 80000, 90000 in all.
        var s = LrSchedule.FromConfig(R50Fpn1x());
        Assert.AreEqual(0.001, s.Multiplier(0), 1e-12);
        Assert.AreEqual(0.001 + 0.999 * 0.5, s.Multiplier(500), 1e-9);   // half way through warmup
        Assert.AreEqual(0.001 + 0.999 * 0.999, s.Multiplier(999), 1e-9);
        Assert.AreEqual(1.0, s.Multiplier(1000), 1e-12);
        Assert.AreEqual(1.0, s.Multiplier(59999), 1e-12);
        Assert.AreEqual(0.1, s.Multiplier(60000), 1e-12);
        Assert.AreEqual(0.1, s.Multiplier(79999), 1e-12);
        Assert.AreEqual(0.01, s.Multiplier(80000), 1e-12);
        Assert.AreEqual(0.01, s.Multiplier(89999), 1e-12);
    }

    [TestMethod]
    public void CosineDecaysToBaseLrEndAndStepsBeyondMaxIterAreDroppedWithAWarning()
    {
        var s = new SolverConfig { LrSchedulerName = "WarmupCosineLR", MaxIter = 1000, BaseLr = 0.02, BaseLrEnd = 0.002, WarmupIters = 0 };
        var cosine = LrSchedule.FromConfig(s);
        Assert.AreEqual(1.0, cosine.Multiplier(0), 1e-12);
        Assert.AreEqual(0.1 + 0.9 * 0.5, cosine.Multiplier(500), 1e-9);       // cos(pi/2) = 0
        Assert.AreEqual(0.1 + 0.45 * (1 + Math.Cos(Math.PI * 0.25)), cosine.Multiplier(250), 1e-9);

        var warnings = new List<string>();
        var steps = new SolverConfig { MaxIter = 100, Steps = [50, 150], WarmupIters = 0 };
        var multi = LrSchedule.FromConfig(steps, warnings.Add);
        Assert.AreEqual(1, warnings.Count);
        StringAssert.Contains(warnings[0], "SOLVER.STEPS");
        Assert.AreEqual(0.1, multi.Multiplier(99), 1e-12);
    }

    [TestMethod]
    public void FixedGammaSplitsTheRunEvenlyAndConstantWarmupHolds()
    {
        var s = new SolverConfig { LrSchedulerName = "WarmupStepWithFixedGammaLR", MaxIter = 100, NumDecays = 3, Gamma = 0.5,
            WarmupIters = 10, WarmupMethod = "constant", WarmupFactor = 0.25 };
        var sched = LrSchedule.FromConfig(s);
        Assert.AreEqual(0.25, sched.Multiplier(0), 1e-12);
        Assert.AreEqual(0.25, sched.Multiplier(9), 1e-12);
        Assert.AreEqual(1.0, sched.Multiplier(24), 1e-12);
        Assert.AreEqual(0.5, sched.Multiplier(25), 1e-12);
        Assert.AreEqual(0.125, sched.Multiplier(99), 1e-12);
    }

    [TestMethod]
    public void ParameterGroupsFollowDetectron2DecayAndBiasRules()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("bn", nn.BatchNorm2d(4)), ("fc", nn.Linear(4, 2)), ("frozen", nn.Linear(2, 2)));
        foreach (var p in ((nn.Module)model).named_parameters().Where(p => p.name.StartsWith("frozen"))) p.parameter.requires_grad = false;
        var s = new SolverConfig { BaseLr = 0.1, WeightDecay = 1e-4, WeightDecayNorm = 0, BiasLrFactor = 2, WeightDecayBias = 0 };
        var groups = OptimizerBuilder.DefaultParameterGroups(model, s);
        var byName = groups.SelectMany(g => g.Parameters.Select(p => (p.Name, g.LearningRate, g.WeightDecay))).ToDictionary(t => t.Name);
        Assert.AreEqual(6, byName.Count, "the two frozen parameters are not optimised");
        Assert.AreEqual((0.1, 1e-4), (byName["conv.weight"].LearningRate, byName["conv.weight"].WeightDecay));
        Assert.AreEqual((0.2, 0.0), (byName["conv.bias"].LearningRate, byName["conv.bias"].WeightDecay));
        Assert.AreEqual((0.1, 0.0), (byName["bn.weight"].LearningRate, byName["bn.weight"].WeightDecay));
        Assert.AreEqual((0.1, 1e-4), (byName["fc.weight"].LearningRate, byName["fc.weight"].WeightDecay));
        Assert.AreEqual(3, groups.Count);
    }

    [TestMethod]
    public void SgdStepAppliesWeightDecayMomentumAndTheScheduledLr()
    {
        using var scope = NewDisposeScope();
        var model = nn.Linear(1, 1, hasBias: false);
        using (no_grad()) model.weight!.fill_(1.0);
        var s = new SolverConfig { BaseLr = 0.1, Momentum = 0.9, WeightDecay = 0.01, MaxIter = 100, WarmupIters = 0, Steps = [1] };
        var opt = OptimizerBuilder.BuildSgd(model, s);
        var sched = LrSchedule.FromConfig(s);
        // Step 0 at LR 0.1: grad of sum(w * 0.5) is 0.5, plus decay 0.01 * 1 -> 0.51; w = 1 - 0.1 * 0.51.
        Assert.AreEqual(0.1, sched.ApplyTo(opt, 0), 1e-12);
        (model.weight! * 0.5f).sum().backward();
        opt.step();
        Assert.AreEqual(0.949, model.weight!.item<float>(), 1e-6);
        // Step 1 at LR 0.01 (after the step at iteration 1): buf = 0.9 * 0.51 + (0.5 + 0.01 * 0.949).
        opt.zero_grad();
        Assert.AreEqual(0.01, sched.ApplyTo(opt, 1), 1e-12);
        (model.weight! * 0.5f).sum().backward();
        opt.step();
        double buf = 0.9 * 0.51 + 0.5 + 0.01 * 0.949;
        Assert.AreEqual(0.949 - 0.01 * buf, model.weight!.item<float>(), 1e-6);
    }

    [TestMethod]
    public void ClippingByValueAndByPerParameterNorm()
    {
        using var scope = NewDisposeScope();
        var a = new TorchSharp.Modules.Parameter(zeros(2));
        var b = new TorchSharp.Modules.Parameter(zeros(2));
        (a * tensor(new[] { 3f, -4f })).sum().backward();
        (b * tensor(new[] { 0.3f, 0.4f })).sum().backward();
        new GradientClipper("norm", 1.0).Clip(new[] { a, b });
        // |(3, -4)| = 5 > 1: scaled to about (0.6, -0.8); |(0.3, 0.4)| = 0.5 is left alone.
        CollectionAssert.AreEqual(new[] { 0.6f, -0.8f }, a.grad!.data<float>().ToArray().Select(v => MathF.Round(v, 5)).ToArray());
        CollectionAssert.AreEqual(new[] { 0.3f, 0.4f }, b.grad!.data<float>().ToArray());
        new GradientClipper("value", 0.35).Clip(new[] { b });
        CollectionAssert.AreEqual(new[] { 0.3f, 0.35f }, b.grad!.data<float>().ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => new GradientClipper("full_model", 1.0));
    }
}

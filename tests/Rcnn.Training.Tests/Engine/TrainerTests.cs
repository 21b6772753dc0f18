using System.Text.Json;
using Rcnn.Training.Config;
using Rcnn.Training.Engine;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Solver;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Engine;

/// <summary>The loop, its hooks, divergence, and kill-and-resume, on a one-layer model whose "loss" is a regression
/// of the image mean (so results are exact and fast).</summary>
[TestClass]
public class TrainerTests
{
    private sealed class MeanRegressor : nn.Module, ITrainableDetector
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(1, 1);

        public MeanRegressor() : base(nameof(MeanRegressor)) => RegisterComponents();

        public float Scale { get; set; } = 1;

        public Dictionary<string, Tensor> Losses(IReadOnlyList<DetectionInput> inputs)
        {
            var x = stack(inputs.Select(i => i.Image.mean().unsqueeze(0)).ToArray());       // (N, 1)
            var loss = (fc.call(x) - 2 * x - 1).pow(2).mean() * Scale;                        // learn y = 2x + 1
            return new Dictionary<string, Tensor> { ["loss_a"] = loss, ["loss_b"] = loss * 0.5f };
        }
    }

    private static IEnumerator<IReadOnlyList<DetectionInput>> Data(int seed)
    {
        var g = new Random(seed);
        while (true)
            yield return Enumerable.Range(0, 2).Select(_ => new DetectionInput(full(3, 4, 4, (float)g.NextDouble()))).ToList();
    }

    private static SolverConfig Solver(int maxIter) =>
        new() { BaseLr = 0.1, Momentum = 0.9, MaxIter = maxIter, Steps = [maxIter / 2], WarmupIters = 5, WeightDecay = 0 };

    private static (MeanRegressor Model, Trainer Trainer) NewTrainer(int maxIter, int dataSeed)
    {
        manual_seed(0);
        var model = new MeanRegressor();
        var s = Solver(maxIter);
        return (model, new Trainer(model, Data(dataSeed), OptimizerBuilder.BuildSgd(model, s), LrSchedule.FromConfig(s)));
    }

    [TestMethod]
    public void LossFallsAndMetricsAreWrittenAsJsonLines()
    {
        string dir = Directory.CreateTempSubdirectory("train").FullName;
        try
        {
            var (_, trainer) = NewTrainer(60, 1);
            var lines = new List<string>();
            trainer.Register(new MetricsWriterHook(Path.Combine(dir, "metrics.json"), 20, lines.Add),
                new LossCurveHook(Path.Combine(dir, "loss_curve.png"), 30));
            trainer.Train(0, 60);
            var png = File.ReadAllBytes(Path.Combine(dir, "loss_curve.png"));
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            var h = trainer.Storage.History("total_loss");
            Assert.AreEqual(60, h.Count);
            Assert.IsTrue(h.TakeLast(5).Average(v => v.Value) < h.Take(5).Average(v => v.Value) / 5, "the regression must learn");
            var json = File.ReadAllLines(Path.Combine(dir, "metrics.json")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            CollectionAssert.AreEqual(new[] { 19, 39, 59 }, json.Select(j => j.GetProperty("iteration").GetInt32()).ToArray());
            foreach (var key in new[] { "total_loss", "loss_a", "loss_b", "lr", "time", "data_time", "rss_mb" })
                Assert.IsTrue(json[0].TryGetProperty(key, out _), key);
            // LR follows the schedule: x0.1 from iteration 30 on.
            Assert.AreEqual(0.01, json[2].GetProperty("lr").GetDouble(), 1e-12);
            Assert.AreEqual(3, lines.Count);
            StringAssert.Contains(lines[0], "eta: ");
            StringAssert.Contains(lines[0], "iter: 19");
            StringAssert.Contains(lines[0], "total_loss: ");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void NonFiniteLossStopsTrainingWithTheLossDictionary()
    {
        var (model, trainer) = NewTrainer(10, 1);
        model.Scale = float.PositiveInfinity;
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => trainer.Train(0, 10));
        StringAssert.Contains(e.Message, "iteration=0");
        StringAssert.Contains(e.Message, "loss_a");
        StringAssert.Contains(e.Message, "BASE_LR");
    }

    [TestMethod]
    public void KilledAndResumedRunEndsExactlyWhereAnUninterruptedOneDoes()
    {
        string dirA = Directory.CreateTempSubdirectory("full").FullName, dirB = Directory.CreateTempSubdirectory("resume").FullName;
        try
        {
            // Uninterrupted: 40 iterations with a checkpoint every 10.
            var (full, t1) = NewTrainer(40, 7);
            t1.Register(new PeriodicCheckpointerHook(new Checkpointer(dirA), 10));
            t1.Train(0, 40);

            // "Killed" after iteration 24 (cancelled), so the last checkpoint is model_0000019.
            var (part, t2) = NewTrainer(40, 7);
            using var cts = new CancellationTokenSource();
            t2.Register(new PeriodicCheckpointerHook(new Checkpointer(dirB), 10), new CancelAt(24, cts));
            t2.Train(0, 40, cts.Token);
            Assert.IsFalse(t2.Completed);
            Assert.IsFalse(File.Exists(Path.Combine(dirB, "model_final.ckpt")));

            // A new process resumes from the checkpoint; the data stream restarts where iteration 20 read it.
            manual_seed(123);
            var resumed = new MeanRegressor();
            var s = Solver(40);
            var opt = OptimizerBuilder.BuildSgd(resumed, s);
            int? last = new Checkpointer(dirB).Resume(resumed, opt);
            Assert.AreEqual(19, last);
            var data = Data(7);
            for (int i = 0; i <= last; i++) data.MoveNext();
            var t3 = new Trainer(resumed, data, opt, LrSchedule.FromConfig(s));
            t3.Train(last!.Value + 1, 40);
            Assert.AreEqual(s.BaseLr * 0.1, t3.Storage.Latest["lr"], 1e-12, "the resumed run has the schedule's LR");
            foreach (var (name, t) in full.state_dict())
                Assert.AreEqual(t.item<float>(), resumed.state_dict()[name].item<float>(), 1e-6, name);
        }
        finally
        {
            Directory.Delete(dirA, true);
            Directory.Delete(dirB, true);
        }
    }

    [TestMethod]
    public void EvalHookRunsPeriodicallyAndAtTheEndInEvalMode()
    {
        var (model, trainer) = NewTrainer(30, 1);
        var seen = new List<(int Iteration, bool Training)>();
        trainer.Register(new EvalHook(10, () =>
        {
            seen.Add((trainer.Iteration, model.training));
            return new Dictionary<string, double> { ["bbox/AP"] = seen.Count };
        }));
        trainer.Train(0, 30);
        CollectionAssert.AreEqual(new[] { (9, false), (19, false), (30, false) }, seen);
        Assert.IsTrue(model.training, "training mode is restored after evaluating");
        Assert.AreEqual(3.0, trainer.Storage.Latest["bbox/AP"]);
    }

    private sealed class CancelAt(int iteration, CancellationTokenSource cts) : HookBase
    {
        public override void AfterStep()
        {
            if (Trainer.Iteration == iteration) cts.Cancel();
        }
    }

    [TestMethod]
    public void ValidationThatStopsImprovingStepsTheLrAndTheBestModelIsKept()
    {
        string dir = Directory.CreateTempSubdirectory("plateau").FullName;
        try
        {
            // Scripted validation AP, one value per evaluation (every 10 iterations, at iterations 9, 19, ...). After
            // 25 at iteration 29, 25.05 (not above 25 + 0.1), 24, 24.5 and 23 make 4 evaluations without improvement:
            // the step moves to iteration 70, so the schedule ends at ceil(70 / 0.8) = 88 (its 80% step is 70). Then
            // 26 at iteration 79 is the best; the final evaluation (iteration 87) scores 25.5.
            double[] script = [10, 20, 25, 25.05, 24, 24.5, 23, 26, 25.5];
            int next = 0;
            var (model, trainer) = NewTrainer(200, 3);
            var checkpointer = new Checkpointer(dir);
            var best = new BestCheckpointerHook(checkpointer, "bbox/AP");
            // On a plateau the LR steps at the next iteration and a quarter as many iterations follow: ceil(70 / 0.8) = 88.
            var plateau = new PlateauHook("bbox/AP", patience: 4, minDelta: 0.1, next =>
            {
                var s = Solver(200);
                s.MaxIter = (int)Math.Ceiling(next / 0.8);
                s.Steps = [next];
                trainer.Reschedule(s.MaxIter, LrSchedule.FromConfig(s));
                return true;
            });
            trainer.Register(new EvalHook(10, () => new Dictionary<string, double> { ["bbox/AP"] = script[next++] }), best, plateau);
            trainer.Train(0, 200);
            Assert.IsTrue(trainer.Completed);
            Assert.AreEqual(88, trainer.MaxIteration);
            Assert.AreEqual(70, plateau.ActedAt);
            Assert.AreEqual(9, next, "evaluations: 8 periodic (iterations 9..79) and the final one");
            var lr = trainer.Storage.History("lr").ToDictionary(v => v.Iteration, v => v.Value);
            Assert.AreEqual(0.1, lr[69], 1e-12);
            Assert.AreEqual(0.01, lr[70], 1e-12);
            Assert.AreEqual((79, 26.0), best.Best);
            Assert.AreEqual(79, Checkpointer.IterationOf(best.Path));
            Assert.AreEqual("26", Checkpointer.ExtraOf(best.Path)![BestCheckpointerHook.ValueKey]);
            // The best file holds the model as it was at iteration 79, not at the end.
            var atBest = nn.Linear(1, 1);
            var saved = nn.Sequential(("fc", atBest));
            Checkpointer.LoadWeights(best.Path, saved, strict: true);
            Assert.AreNotEqual(model.state_dict()["fc.weight"].item<float>(), atBest.weight!.item<float>());

            // A resumed run compares against the saved best: 25.9 does not replace it, 26.5 does.
            double[] resumed = [25.9, 26.5];
            int r = 0;
            var (_, again) = NewTrainer(120, 4);
            var best2 = new BestCheckpointerHook(checkpointer, "bbox/AP");
            again.Register(new EvalHook(10, () => new Dictionary<string, double> { ["bbox/AP"] = resumed[r++] }), best2);
            again.Train(100, 120);
            Assert.AreEqual((119, 26.5), best2.Best);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void ARunStoppedEarlyIsEvaluatedWhenAskedButNotWhenNot()
    {
        foreach (bool ask in new[] { true, false })
        {
            var (_, trainer) = NewTrainer(100, 5);
            using var stop = new CancellationTokenSource();
            int evaluations = 0;
            trainer.Register(new EvalHook(50, () => { evaluations++; return new Dictionary<string, double> { ["bbox/AP"] = 1 }; }, 0, () => ask),
                new CallbackHook(afterStep: t => { if (t.Iteration == 6) stop.Cancel(); }));
            trainer.Train(0, 100, stop.Token);
            Assert.IsFalse(trainer.Completed);
            Assert.AreEqual(ask ? 1 : 0, evaluations, $"asked: {ask}");
            if (ask) Assert.AreEqual(6, trainer.Storage.History("bbox/AP").Single().Iteration, "the last iteration trained");
        }
    }
}

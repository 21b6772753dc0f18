using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>
/// Heavy, opt-in: category Heavy, which the README's test command (and so CI) leaves out. Trains the BCCD quick-start config (300 iterations, ~9 min on 2 idle
/// cores; RCNN_ONNX_TRAIN_ITERS=N shortens it), exports the trained model and checks ONNX Runtime's detections against
/// GeneralizedRcnn.Inference on real BCCD images: same count, boxes within 0.5 px, scores within 1e-3, same labels.
/// Run: dotnet test tests/Rcnn.Onnx.Tests -c Release --filter TestCategory=Heavy
/// </summary>
[TestClass]
public sealed class TrainedBccdParityTests
{
    [TestMethod]
    [TestCategory("Heavy")]
    public void TrainedBccdModel_OnnxMatchesTorchSharp()
    {
        TorchRuntime.EnsureLoaded();
        var dir = Directory.CreateTempSubdirectory("rcnn-onnx-trained").FullName;
        try
        {
            var overrides = new List<string> { "OUTPUT_DIR", dir };
            if (Environment.GetEnvironmentVariable("RCNN_ONNX_TRAIN_ITERS") is { Length: > 0 } iters)
            {
                int n = int.Parse(iters, System.Globalization.CultureInfo.InvariantCulture);
                overrides.AddRange(new[] { "SOLVER.MAX_ITER", iters, "SOLVER.STEPS", $"({Math.Max(1, n * 4 / 5)},)",
                    "SOLVER.WARMUP_ITERS", Math.Max(1, n / 6).ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
            var cfg = RcnnConfig.FromFile(TestFiles.BccdConfig, overrides);
            var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
            BuiltinDatasets.RegisterAll(catalog);
            using var trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions { Log = _ => { } });
            Assert.IsTrue(trainer.Train(), "training finished");
            var model = trainer.Model;
            model.eval();

            var bytes = DetectorOnnxExporter.ExportToBytes(model, cfg, new DetectorOnnxOptions { ClassNames = BuiltinDatasets.BccdClasses });
            using var ort = new OrtRun(bytes);
            int total = 0;
            foreach (var (index, h, w) in new[] { (100, 480, 640), (200, 333, 517), (300, 600, 401) })
            {
                using var scope = NewDisposeScope();
                var source = TestImages.Sized(index, h, w);
                var resized = TestImages.TestResize(source, cfg.Input.MinSizeTest, cfg.Input.MaxSizeTest);
                Instances expected;
                using (no_grad())
                    expected = model.Inference(new[] { new DetectionInput(TestImages.ToChw(resized), Height: h, Width: w) })[0];
                var actual = ort.Run(("image", TestImages.ToChw(source)));
                DetectionAssert.Equal(expected.PredBoxes.Tensor, expected.Scores, expected.PredClasses, actual["boxes"].Floats,
                    actual["scores"].Floats, actual["labels"].Longs, boxTolerance: 0.5, scoreTolerance: 1e-3, what: $"trained {h}x{w}");
                total += expected.Count;
            }
            Assert.IsTrue(total > 0, "the trained model detects something");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

using Microsoft.ML;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>
/// DetectObjects without a preset or config file picks its config from the data as <c>rcnn train</c> does: fine-tuned
/// from mlnet://ResNet18 unless Pretrained is false, validated on images held out of the training data when no
/// ValidationSet is given, the best model by validation kept. Tiny runs (45 BCCD images at 128 px, 4 iterations); about
/// a minute.
/// </summary>
[TestClass]
public sealed class PickedConfigTests
{
    private static (DetectObjectsEstimator Estimator, List<string> Log) Fit(bool pretrained)
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Source == "DetectObjects") lock (log) log.Add(e.Message); };
        var train = ml.Data.TakeRows(ml.Data.LoadFromPascalVoc(TestData.VocRoot, "train", BuiltinDatasets.BccdClasses, _ => { }), 45);
        var options = new DetectObjectsOptions
        {
            Pretrained = pretrained,
            MaxIterations = 4,
            ImageSize = 128,
            Seed = 3,
            OutputFolder = TestData.TempFolder("picked"),
        };
        var estimator = ml.Transforms.DetectObjects(options);
        ml.Transforms.LoadImages("Image", "", "ImagePath").Append(ml.Transforms.Conversion.MapValueToKey("Label")).Append(estimator).Fit(train);
        return (estimator, log);
    }

    [TestMethod]
    public void WithoutAPresetItFineTunesAndValidatesOnHeldOutImages()
    {
        var (estimator, log) = Fit(pretrained: true);
        string all = string.Join("\n", log);
        StringAssert.Contains(all, "Picked backbone: R-18 FPN, ImageNet-pretrained, FrozenBN");
        StringAssert.Contains(all, "Loaded weights from mlnet://ResNet18");
        // 15% of 45 images, rounded: 7, at least 10.
        StringAssert.Contains(all, "Validation: validating on 10 of the 45 training images, held out (seed 42) and not trained on.");
        var summary = estimator.LastTraining!;
        var cfg = RcnnConfig.FromFile(Path.Combine(summary.OutputFolder, "config.yaml"));
        Assert.AreEqual(("mlnet://ResNet18", "FrozenBN", 2), (cfg.Model.Weights, cfg.Model.ResNets.Norm, cfg.Model.Backbone.FreezeAt));
        Assert.AreEqual(4, summary.Iterations);
        // Evaluated at the end (4 iterations are less than one evaluation period), so the final model is that best one.
        Assert.IsNotNull(summary.Validation);
        Assert.AreEqual(10, summary.Validation.ImageIds.Count);
        StringAssert.Contains(all, "Final model: the best by validation, iteration 4");
        Assert.IsTrue(File.Exists(Path.Combine(summary.OutputFolder, "model_best.ckpt")));
    }

    [TestMethod]
    public void PretrainedFalseTrainsFromScratch()
    {
        var (estimator, log) = Fit(pretrained: false);
        string all = string.Join("\n", log);
        StringAssert.Contains(all, "Picked backbone: R-18 FPN, GN, from scratch (from scratch (Pretrained = false)");
        Assert.IsFalse(all.Contains("Loaded weights"), all);
        var cfg = RcnnConfig.FromFile(Path.Combine(estimator.LastTraining!.OutputFolder, "config.yaml"));
        Assert.AreEqual(("", "GN"), (cfg.Model.Weights, cfg.Model.ResNets.Norm));
    }
}

using Microsoft.ML.Transforms;
using Microsoft.ML;
using Rcnn.MLNet.AutoConfig;
using Rcnn.MLNet.AutoML;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using static TorchSharp.torch;

namespace Rcnn.MLNet.Tests;

/// <summary>
/// <c>DetectionExperiment.SetDataset(IDataView train, IDataView validation)</c>: the same BCCD subset (4 training, 2
/// validation images) given as IDataViews, with an MLImage column (and key labels) or an image-path column (and text
/// labels), trains a trial bit-identical to the same data registered as Pascal VOC in a DatasetCatalog with the same
/// seed: same validation MAPs at the checkpoint and the end, same weights. The MLImage PNGs live under
/// <c>&lt;output&gt;/.data</c> only while the experiment runs (also gone after a cancellation or a failure); a missing or
/// mistyped column is named. Tiny trials (10 iterations at 128 px); about 2 minutes on 2 cores.
/// </summary>
[TestClass]
public sealed class ExperimentDataViewTests
{
    private static readonly string[] Classes = ["Platelets", "RBC", "WBC"];  // sorted: what text labels give

    private static readonly Lazy<string> Voc = new(() => MiniVoc(4, 2));

    /// <summary>The reference: the trial trained from the VOC files through the catalog route.</summary>
    private static readonly Lazy<(DetectionExperimentResult Result, string Output)> CatalogRun = new(() =>
    {
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        catalog.RegisterPascalVoc("voc_train", Voc.Value, "train", Classes);
        catalog.RegisterPascalVoc("voc_val", Voc.Value, "val", Classes);
        string output = TestData.TempFolder("experiment-catalog");
        var result = Experiment(output).SetDataset(catalog, "voc_train", "voc_val").RunAsync().GetAwaiter().GetResult();
        return (result, output);
    });

    private static DetectionExperiment Experiment(string output)
    {
        var cfg = ConfigPresets.Load(ConfigPresets.Default);
        cfg.MergeFromList(
        [
            "MODEL.RPN.POST_NMS_TOPK_TRAIN", "200", "MODEL.RPN.POST_NMS_TOPK_TEST", "100", "DATALOADER.NUM_WORKERS", "0",
            "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0",  // an untrained model scores low: keep detections so the MAPs are not all 0
        ]);
        return new MLContext(1).DetectionExperiment()
            .SetBaseConfig(cfg)
            .SetSearchSpace(new DetectionSearchSpace
            {
                BackboneDepths = [18], ImageSizes = [128], RoiBatchSizesPerImage = [64], Iterations = [10],
                AnchorSizeSets = [[16, 32, 64, 128, 256]],
            })
            .SetSeed(7)
            .SetSuccessiveHalvingTuner([0.5])  // a validation checkpoint at iteration 5, then a resume
            .SetTrainingTimeInSeconds(900)
            .SetMaxTrials(1)
            .SetNumThreads(1)
            .SetOutputDirectory(output);
    }

    /// <summary>The mini VOC split as rows: ImagePath (text), Label (text vector), Box (float[4N]).</summary>
    private static IDataView Rows(MLContext ml, string split) => ml.Data.LoadFromPascalVoc(Voc.Value, split, Classes, _ => { });

    /// <summary>The rows with an MLImage column "Image" (LoadImages) and key labels in sorted order.</summary>
    private static IDataView ImageRows(MLContext ml, string split)
    {
        var rows = Rows(ml, split);
        return ml.Transforms.LoadImages("Image", "", nameof(DetectionDatasetRow.ImagePath))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue))
            .Fit(rows).Transform(rows);
    }

    [TestMethod]
    public async Task MLImageColumn_TrainsTheCatalogRoutesTrial_AndRemovesItsPngs()
    {
        var ml = new MLContext(1);
        string output = TestData.TempFolder("experiment-images");
        string data = Path.Combine(output, DetectionExperiment.DataFolder);
        int pngsDuringRun = -1;
        var result = await Experiment(output)
            .SetDataset(ImageRows(ml, "train"), ImageRows(ml, "val"))
            .SetLog(line => { if (pngsDuringRun < 0 && line.StartsWith("eta:", StringComparison.Ordinal)) pngsDuringRun = Directory.GetFiles(data, "*.png", SearchOption.AllDirectories).Length; })
            .RunAsync();

        Assert.AreEqual(6, pngsDuringRun, "4 training + 2 validation PNGs while training");
        Assert.IsFalse(Directory.Exists(data), $"{data} is left after the run");
        AssertSameTrial(CatalogRun.Value.Result, result);
        CollectionAssert.AreEqual(Directory.GetFileSystemEntries(CatalogRun.Value.Output).Select(Path.GetFileName).Order().ToArray(),
            Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order().ToArray());
    }

    [TestMethod]
    public async Task PathColumn_TrainsTheCatalogRoutesTrial_WithoutCopies()
    {
        var ml = new MLContext(1);
        string output = TestData.TempFolder("experiment-paths");
        bool dataDuringRun = true;
        var result = await Experiment(output)
            .SetDataset(Rows(ml, "train"), Rows(ml, "val"), imageColumnName: nameof(DetectionDatasetRow.ImagePath))
            .SetLog(line => { if (line.StartsWith("eta:", StringComparison.Ordinal)) dataDuringRun = Directory.Exists(Path.Combine(output, DetectionExperiment.DataFolder)); })
            .RunAsync();

        Assert.IsFalse(dataDuringRun, "image paths are read in place, not copied");
        AssertSameTrial(CatalogRun.Value.Result, result);
    }

    [TestMethod]
    public async Task CancelledRun_RemovesThePngs()
    {
        var ml = new MLContext(1);
        string output = TestData.TempFolder("experiment-cancel");
        string data = Path.Combine(output, DetectionExperiment.DataFolder);
        using var cts = new CancellationTokenSource();
        int pngs = -1;
        var result = await Experiment(output)
            .SetDataset(ImageRows(ml, "train"), ImageRows(ml, "val"))
            .SetLog(line =>
            {
                if (pngs >= 0 || !line.StartsWith("eta:", StringComparison.Ordinal)) return;
                pngs = Directory.GetFiles(data, "*.png", SearchOption.AllDirectories).Length;
                cts.Cancel();
            })
            .RunAsync(cts.Token);

        Assert.IsTrue(result.Cancelled);
        Assert.AreEqual(0, result.Trials.Count);
        Assert.AreEqual(6, pngs);
        Assert.IsFalse(Directory.Exists(data));
        Assert.AreEqual(0, Directory.GetDirectories(output).Length, "the cancelled trial's folder and .data are removed");
    }

    [TestMethod]
    public async Task FailedRun_RemovesThePngs_AndNamesTheRow()
    {
        var ml = new MLContext(1);
        string output = TestData.TempFolder("experiment-fail");
        // Validation labels outside the training classes fail after the training PNGs were written.
        var badRows = ml.Data.LoadFromEnumerable(new[]
        {
            new DetectionDatasetRow { ImagePath = TestData.Images("test", 1)[0], Label = ["Neutrophil"], Box = [10, 10, 50, 50] },
        });
        var bad = ml.Transforms.LoadImages("Image", "", nameof(DetectionDatasetRow.ImagePath)).Fit(badRows).Transform(badRows);
        var e = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => Experiment(output)
            .SetDataset(ImageRows(ml, "train"), bad).RunAsync());
        StringAssert.Contains(e.Message, "Validation data: row 0, column 'Label': unknown label 'Neutrophil'");
        Assert.AreEqual(0, Directory.GetFileSystemEntries(output).Length, string.Join(", ", Directory.GetFileSystemEntries(output)));
    }

    [TestMethod]
    public void MissingOrMistypedColumn_IsNamedWhenTheDatasetIsSet()
    {
        var ml = new MLContext(1);
        var rows = Rows(ml, "train");
        var noBox = ml.Transforms.DropColumns("Box").Fit(rows).Transform(rows);
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.DetectionExperiment().SetDataset(rows, noBox, imageColumnName: "ImagePath"));
        StringAssert.Contains(missing.Message, "Validation data: Box column 'Box' was not found; columns: [ImagePath, Label]");
        Assert.AreEqual("boxColumnName", missing.ParamName);

        var noImage = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.DetectionExperiment().SetDataset(rows, rows));
        StringAssert.Contains(noImage.Message, "Training data: image column 'Image' was not found");
        Assert.AreEqual("imageColumnName", noImage.ParamName);

        var wrongImage = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.DetectionExperiment().SetDataset(rows, rows, imageColumnName: "Box"));
        StringAssert.Contains(wrongImage.Message, "image column 'Box' must be an image (MLImage, e.g. from LoadImages) or text (an image file path)");

        var wrongLabel = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.DetectionExperiment().SetDataset(rows, rows, "ImagePath", labelColumnName: "Box"));
        StringAssert.Contains(wrongLabel.Message, "Training data: Label column 'Box' must be a vector of keys");
    }

    private static void AssertSameTrial(DetectionExperimentResult expected, DetectionExperimentResult actual)
    {
        Assert.AreEqual(1, expected.Trials.Count);
        Assert.AreEqual(1, actual.Trials.Count);
        CollectionAssert.AreEqual(expected.ClassNames.ToArray(), actual.ClassNames.ToArray());
        var (e, a) = (expected.Trials[0], actual.Trials[0]);
        Assert.AreEqual(e.Parameters.ToString(), a.Parameters.ToString());
        Assert.AreEqual(10, a.IterationsDone);
        Assert.AreEqual(e.IterationsDone, a.IterationsDone);
        CollectionAssert.AreEqual(e.CheckpointScores.ToArray(), a.CheckpointScores.ToArray());
        Assert.AreEqual(e.MAP50, a.MAP50, 0.0);  // exactly
        Assert.AreEqual(e.MAP50_95, a.MAP50_95, 0.0);
        Assert.IsTrue(e.MAP50 > 0, $"the reference MAP50 is {e.MAP50}: the comparison would say little");

        using var scope = NewDisposeScope();
        using var me = e.LoadModel();
        using var ma = a.LoadModel();
        var we = me.state_dict();
        var wa = ma.state_dict();
        CollectionAssert.AreEqual(we.Keys.ToArray(), wa.Keys.ToArray());
        Assert.IsTrue(we.Count > 50);
        foreach (var (name, t) in we)
        {
            CollectionAssert.AreEqual(t.shape, wa[name].shape, name);
            Assert.IsTrue(t.eq(wa[name]).all().item<bool>(), $"weight {name} differs");
        }
    }

    /// <summary>A VOC root with the first images of BCCD's train list as "train" and of its test list as "val".</summary>
    private static string MiniVoc(int trainImages, int valImages)
    {
        string root = Path.Combine(TestData.TempFolder("mini-voc"), "VOC");
        foreach (var d in new[] { "Annotations", "JPEGImages", Path.Combine("ImageSets", "Main") })
            Directory.CreateDirectory(Path.Combine(root, d));
        string[] Ids(string split, int n) => File.ReadAllLines(Path.Combine(TestData.VocRoot, "ImageSets", "Main", split + ".txt"))
            .Select(l => l.Trim()).Where(l => l.Length > 0).Take(n).ToArray();
        var train = Ids("train", trainImages);
        var val = Ids("test", valImages);
        foreach (var id in train.Concat(val))
        {
            File.Copy(Path.Combine(TestData.VocRoot, "Annotations", id + ".xml"), Path.Combine(root, "Annotations", id + ".xml"));
            File.Copy(Path.Combine(TestData.VocRoot, "JPEGImages", id + ".jpg"), Path.Combine(root, "JPEGImages", id + ".jpg"));
        }
        File.WriteAllLines(Path.Combine(root, "ImageSets", "Main", "train.txt"), train);
        File.WriteAllLines(Path.Combine(root, "ImageSets", "Main", "val.txt"), val);
        return root;
    }
}

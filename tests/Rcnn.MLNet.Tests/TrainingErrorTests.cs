using Microsoft.ML;
using Rcnn.MLNet.AutoConfig;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Training;
using Rcnn.Training.Config;

namespace Rcnn.MLNet.Tests;

/// <summary>Bad training data and options fail before any training, naming the row, column or key.</summary>
[TestClass]
public sealed class TrainingErrorTests
{
    private static IDataView Images(MLContext ml, params DetectionDatasetRow[] rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.LoadImages("Image", "", "ImagePath").Fit(data).Transform(data);
    }

    private static DetectionDatasetRow Row(string[] labels, float[] boxes, int image = 0) =>
        new() { ImagePath = TestData.Images("test", 2)[image], Label = labels, Box = boxes };

    private static string FitError(MLContext ml, IDataView data, DetectObjectsOptions? options = null)
    {
        options ??= new DetectObjectsOptions();
        options.OutputFolder = TestData.TempFolder("errors");
        var e = Assert.Throws<Exception>(() => ml.Transforms.DetectObjects(options).Fit(data));
        Assert.IsFalse(Directory.Exists(Path.Combine(options.OutputFolder, "images")), "the PNG copies are removed after a failure too");
        return e.Message;
    }

    [TestMethod]
    public void BadRows_AreReportedByRowAndColumn()
    {
        var ml = new MLContext();
        string count = FitError(ml, Images(ml, Row(["RBC"], [1, 1, 20, 20]), Row(["RBC", "WBC"], [1, 1, 20, 20], 1)));
        StringAssert.Contains(count, "row 1");
        StringAssert.Contains(count, "'Box' has 1 boxes but column 'Label' has 2 labels");

        string degenerate = FitError(ml, Images(ml, Row(["RBC", "WBC"], [1, 1, 20, 20, 30, 30, 30, 40])));
        StringAssert.Contains(degenerate, "row 0, column 'Box': box 1");
        StringAssert.Contains(degenerate, "degenerate");

        string outside = FitError(ml, Images(ml, Row(["RBC"], [700, 10, 720, 20])));
        StringAssert.Contains(outside, "outside the 640x480 image");

        string partial = FitError(ml, Images(ml, Row(["RBC"], [1, 1, 20])));
        StringAssert.Contains(partial, "3 values; boxes are 4 numbers each");
    }

    [TestMethod]
    public void UnknownLabels_InValidationSetOrAsMissingKeys_AreReported()
    {
        var ml = new MLContext();
        var train = Images(ml, Row(["RBC"], [1, 1, 20, 20]));
        var validation = Images(ml, Row(["Neutrophil"], [1, 1, 20, 20], 1));
        string unknown = FitError(ml, train, new DetectObjectsOptions { ValidationSet = validation });
        StringAssert.Contains(unknown, "ValidationSet: row 0, column 'Label': unknown label 'Neutrophil'; the training classes are [RBC]");

        // A key the MapValueToKey fitted elsewhere did not know is key 0 (missing).
        var raw = ml.Data.LoadFromEnumerable([Row(["WBC"], [1, 1, 20, 20])]);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable([Row(["RBC"], [1, 1, 2, 2])]));
        var keyed = ml.Transforms.LoadImages("Image", "", "ImagePath").Fit(raw).Transform(keys.Transform(raw));
        string missing = FitError(ml, keyed);
        StringAssert.Contains(missing, "column 'Label': label 0 is a missing key");
    }

    [TestMethod]
    public void BadOptions_NameTheOptionOrKey()
    {
        var ml = new MLContext();
        var preset = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.DetectObjects(new DetectObjectsOptions { Preset = "R1000" }));
        StringAssert.Contains(preset.Message, "Unknown preset 'R1000'");
        var reserved = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.DetectObjects(new DetectObjectsOptions { ScoreColumnName = "pixels" }));
        StringAssert.Contains(reserved.Message, "'pixels'");
        var data = Images(ml, Row(["RBC"], [1, 1, 20, 20]));
        var options = new DetectObjectsOptions { OutputFolder = TestData.TempFolder("badkey") };
        options.ConfigOverrides.Add("MODEL.RPN.NMS_TRESH");
        options.ConfigOverrides.Add("0.6");
        var e = Assert.ThrowsExactly<ConfigException>(() => ml.Transforms.DetectObjects(options).Fit(data));
        StringAssert.Contains(e.Message, "MODEL.RPN.NMS_TRESH");
        var schema = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.DetectObjects("Label", "Boxes").Fit(data));
        StringAssert.Contains(schema.Message, "'Boxes'");
    }

    [TestMethod]
    public void Presets_LoadWithTheirBaseChain()
    {
        foreach (var name in ConfigPresets.Names)
        {
            var cfg = ConfigPresets.Load(name);
            Assert.AreEqual("GeneralizedRCNN", cfg.Model.MetaArchitecture, name);
        }
        // The default preset is the BCCD quick-start config: R-18, 256-px images (models/CPU/faster_rcnn_R_18_FPN_bccd.yaml).
        var bccd = ConfigPresets.Load(ConfigPresets.Default);
        Assert.AreEqual(18, bccd.Model.ResNets.Depth);
        Assert.AreEqual(256, bccd.Input.MinSizeTest);
    }
}

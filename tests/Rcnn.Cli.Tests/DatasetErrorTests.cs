using System.Text.RegularExpressions;
using Rcnn.Tests.Shared;

namespace Rcnn.Cli.Tests;

/// <summary>Bad data fails before training with exit code 2 and names the file: an object of a class the training
/// split does not have, a missing image (VOC and COCO). Under a second in all (XML/JSON parsing only).</summary>
[TestClass]
public sealed class DatasetErrorTests
{
    [TestMethod]
    public void UnknownClassInTestSplitNamesFileAndClass()
    {
        string voc = MiniData.MiniVoc("unknown-class", 2, 1);
        string testId = MiniData.Split(voc, "test")[0];
        string xml = Path.Combine(voc, "Annotations", testId + ".xml");
        // Rename every object's class: training (train split) only knows Platelets/RBC/WBC.
        string text = File.ReadAllText(xml);
        File.WriteAllText(xml, Regex.Replace(text, "<name>(RBC|WBC|Platelets)</name>", "<name>Neutrophil</name>"));
        var r = CliRunner.Run("train", "--dataset", voc, "-o", MiniData.TempDir("unknown-class-out"));
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, xml);
        StringAssert.Contains(r.Err, "unknown class 'Neutrophil'");
    }

    [TestMethod]
    public void MissingVocImageIsNamed()
    {
        string voc = MiniData.MiniVoc("missing-image", 2, 1);
        string id = MiniData.Split(voc, "train")[1];
        string jpg = Path.Combine(voc, "JPEGImages", id + ".jpg");
        File.Delete(jpg);
        var r = CliRunner.Run("train", "--dataset", voc, "-o", MiniData.TempDir("missing-image-out"));
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, jpg);
        StringAssert.Contains(r.Err, "not found");
    }

    [TestMethod]
    public void MissingCocoImageIsNamed()
    {
        string dir = MiniData.TempDir("coco-missing");
        File.Copy(Path.Combine(MiniData.BccdRoot, "JPEGImages", "BloodImage_00000.jpg"), Path.Combine(dir, "a.jpg"));
        string json = Path.Combine(dir, "train.json");
        File.WriteAllText(json, """
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480},
                        {"id": 2, "file_name": "gone.jpg", "width": 640, "height": 480}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [10, 10, 50, 40], "iscrowd": 0, "area": 2000},
                             {"id": 2, "image_id": 2, "category_id": 7, "bbox": [10, 10, 50, 40], "iscrowd": 0, "area": 2000}],
             "categories": [{"id": 7, "name": "cell"}]}
            """);
        var r = CliRunner.Run("train", "--dataset", json, "-o", MiniData.TempDir("coco-missing-out"));
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, Path.Combine(dir, "gone.jpg"));
    }

    [TestMethod]
    public void CocoTestSetWithAnotherClassIsRejected()
    {
        string dir = MiniData.TempDir("coco-classes");
        File.Copy(Path.Combine(MiniData.BccdRoot, "JPEGImages", "BloodImage_00000.jpg"), Path.Combine(dir, "a.jpg"));
        string Json(string name, string cls)
        {
            string path = Path.Combine(dir, name);
            File.WriteAllText(path, $$"""
                {"images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 40], "iscrowd": 0, "area": 2000}],
                 "categories": [{"id": 1, "name": "{{cls}}"}]}
                """);
            return path;
        }
        var r = CliRunner.Run("train", "--dataset", Json("train.json", "cell"), "--test-dataset", Json("test.json", "platelet"),
            "-o", MiniData.TempDir("coco-classes-out"));
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, "platelet");
        StringAssert.Contains(r.Err, "test.json");
    }
}

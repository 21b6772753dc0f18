using Rcnn.Training.Data;

namespace Rcnn.Cli.Datasets;

/// <summary>
/// The datasets of one command registered in a catalog: "train" (and "test" when there is one) sharing the training
/// classes, so a test image with another class is an error that names its file. VOC: train on trainval (train if there
/// is no test split) and test on test (else val); a separate --test-dataset VOC root uses its test split (else val).
/// </summary>
public sealed class RegisteredDatasets
{
    public const string TrainName = "train";
    public const string TestName = "test";

    private RegisteredDatasets(DatasetCatalog catalog, IReadOnlyList<string> classes, bool hasTest, string trainDescription, string? testDescription)
    {
        Catalog = catalog;
        Classes = classes;
        HasTest = hasTest;
        TrainDescription = trainDescription;
        TestDescription = testDescription;
    }

    public DatasetCatalog Catalog { get; }
    public IReadOnlyList<string> Classes { get; }
    public bool HasTest { get; }
    public string TrainDescription { get; }
    public string? TestDescription { get; }

    public LoadedDataset Train => Catalog.Get(TrainName);
    public LoadedDataset? Test => HasTest ? Catalog.Get(TestName) : null;

    /// <summary>Registers and loads (so bad files fail now, named) the training and test data.</summary>
    public static RegisteredDatasets Register(DatasetLocation train, DatasetLocation? test, IDatasetLog log, IReadOnlyList<string>? classes = null)
    {
        var catalog = new DatasetCatalog(log);
        string trainDesc, testDesc = "";
        bool hasTest;
        if (train.Kind == DatasetKind.CocoJson)
        {
            catalog.RegisterCocoJson(TrainName, train.Path, train.ImageRoot!);
            trainDesc = $"COCO {train.Path}";
            hasTest = false;
        }
        else
        {
            var splits = train.VocSplits();
            bool ownTest = test is null && (splits.Contains("test") || (splits.Contains("val") && splits.Contains("train")));
            string trainSplit = splits.Contains("test") && splits.Contains("trainval") ? "trainval" : splits.Contains("train") ? "train"
                : splits.Contains("trainval") ? "trainval"
                : throw new CliUsageException($"Pascal VOC root '{train.Path}' has no train or trainval split in ImageSets/Main.");
            catalog.RegisterPascalVoc(TrainName, train.Path, trainSplit, classes);
            trainDesc = $"VOC {train.Path} split '{trainSplit}'";
            hasTest = false;
            if (ownTest)
            {
                string testSplit = splits.Contains("test") ? "test" : "val";
                classes ??= catalog.GetMetadata(TrainName).ThingClasses;
                catalog.RegisterPascalVoc(TestName, train.Path, testSplit, classes);
                testDesc = $"VOC {train.Path} split '{testSplit}'";
                hasTest = true;
            }
        }
        var trainClasses = classes ?? catalog.GetMetadata(TrainName).ThingClasses;
        if (classes is not null && !catalog.GetMetadata(TrainName).ThingClasses.SequenceEqual(classes))
            throw new CliUsageException($"Dataset {trainDesc} has classes [{string.Join(", ", catalog.GetMetadata(TrainName).ThingClasses)}], but the model knows [{string.Join(", ", classes)}].");
        if (test is not null)
        {
            if (test.Kind == DatasetKind.CocoJson)
            {
                catalog.RegisterCocoJson(TestName, test.Path, test.ImageRoot!);
                var testClasses = catalog.GetMetadata(TestName).ThingClasses;
                var unknown = testClasses.Except(trainClasses).ToArray();
                if (unknown.Length > 0 || testClasses.Count != trainClasses.Count)
                    throw new CliUsageException($"Test dataset '{test.Path}' has class(es) [{string.Join(", ", unknown.DefaultIfEmpty("(different order)"))}] " +
                        $"that the training data [{string.Join(", ", trainClasses)}] does not have in that order.");
                testDesc = $"COCO {test.Path}";
            }
            else
            {
                var splits = test.VocSplits();
                string split = splits.Contains("test") ? "test" : splits.Contains("val") ? "val"
                    : throw new CliUsageException($"--test-dataset: Pascal VOC root '{test.Path}' has no test or val split in ImageSets/Main.");
                catalog.RegisterPascalVoc(TestName, test.Path, split, trainClasses);
                testDesc = $"VOC {test.Path} split '{split}'";
            }
            hasTest = true;
        }
        var result = new RegisteredDatasets(catalog, trainClasses, hasTest, trainDesc, hasTest ? testDesc : null);
        _ = result.Train;   // load now: a missing image or unknown class fails here, naming the file
        _ = result.Test;
        if (result.Train.Records.Count == 0) throw new CliUsageException($"Dataset {trainDesc} has no images.");
        return result;
    }
}

using Rcnn.Training.Data;

namespace Rcnn.Cli.Datasets;

/// <summary>
/// The datasets of one command registered in a catalog: "train" (and "test" when there is one) sharing the training
/// classes, so a test image with another class is an error that names its file. VOC: train on trainval (train if there
/// is no test split) and test on test (else val); a separate --test-dataset VOC root uses its test split (else val).
/// With validation, "validation" holds the images that steer training and are never trained on: a VOC root's val
/// split when it also has train and test (training is then on train), else images held out of the training split
/// (<see cref="HoldOut"/>); never test images.
/// </summary>
public sealed class RegisteredDatasets
{
    public const string TrainName = "train";
    public const string TestName = "test";
    public const string ValidationName = "validation";
    private const string TrainSplitName = "train_split", ValidationSplitName = "validation_split";

    private RegisteredDatasets(DatasetCatalog catalog, IReadOnlyList<string> classes, bool hasTest, string trainDescription, string? testDescription,
        string? validationDescription)
    {
        Catalog = catalog;
        Classes = classes;
        HasTest = hasTest;
        TrainDescription = trainDescription;
        TestDescription = testDescription;
        ValidationDescription = validationDescription;
    }

    public DatasetCatalog Catalog { get; }
    public IReadOnlyList<string> Classes { get; }
    public bool HasTest { get; }
    public string TrainDescription { get; }
    public string? TestDescription { get; }

    /// <summary>What "validation" holds and where it came from; null without validation.</summary>
    public string? ValidationDescription { get; }

    public LoadedDataset Train => Catalog.Get(TrainName);
    public LoadedDataset? Test => HasTest ? Catalog.Get(TestName) : null;

    /// <summary>The validation images; null without validation, empty when the data was too small to hold any out.</summary>
    public LoadedDataset? Validation => ValidationDescription is null ? null : Catalog.Get(ValidationName);

    /// <summary>Registers and loads (so bad files fail now, named) the training and test data, and with
    /// <paramref name="validationSeed"/> the validation data (drawn with that seed when held out).</summary>
    public static RegisteredDatasets Register(DatasetLocation train, DatasetLocation? test, IDatasetLog log, IReadOnlyList<string>? classes = null,
        int? validationSeed = null)
    {
        var catalog = new DatasetCatalog(log);
        string trainDesc, testDesc = "";
        bool hasTest, validate = validationSeed is not null;
        string trainName = validate ? TrainSplitName : TrainName;
        string? validationSplit = null;
        if (train.Kind == DatasetKind.CocoJson)
        {
            catalog.RegisterCocoJson(trainName, train.Path, train.ImageRoot!);
            trainDesc = $"COCO {train.Path}";
            hasTest = false;
        }
        else
        {
            var splits = train.VocSplits();
            bool ownTest = test is null && (splits.Contains("test") || (splits.Contains("val") && splits.Contains("train")));
            // A root with train, val and test validates on val, so it trains on train; otherwise val is the test data.
            bool ownValidation = validate && splits.Contains("train") && splits.Contains("val") && (splits.Contains("test") || test is not null);
            string trainSplit = ownValidation ? "train"
                : splits.Contains("test") && splits.Contains("trainval") ? "trainval" : splits.Contains("train") ? "train"
                : splits.Contains("trainval") ? "trainval"
                : throw new CliUsageException($"Pascal VOC root '{train.Path}' has no train or trainval split in ImageSets/Main.");
            catalog.RegisterPascalVoc(trainName, train.Path, trainSplit, classes);
            if (ownValidation)
            {
                classes ??= catalog.GetMetadata(trainName).ThingClasses;
                catalog.RegisterPascalVoc(ValidationSplitName, train.Path, "val", classes);
                validationSplit = ValidationSplitName;
            }
            trainDesc = $"VOC {train.Path} split '{trainSplit}'";
            hasTest = false;
            if (ownTest)
            {
                string testSplit = splits.Contains("test") ? "test" : "val";
                classes ??= catalog.GetMetadata(trainName).ThingClasses;
                catalog.RegisterPascalVoc(TestName, train.Path, testSplit, classes);
                testDesc = $"VOC {train.Path} split '{testSplit}'";
                hasTest = true;
            }
        }
        var trainClasses = classes ?? catalog.GetMetadata(trainName).ThingClasses;
        if (classes is not null && !catalog.GetMetadata(trainName).ThingClasses.SequenceEqual(classes))
            throw new CliUsageException($"Dataset {trainDesc} has classes [{string.Join(", ", catalog.GetMetadata(trainName).ThingClasses)}], but the model knows [{string.Join(", ", classes)}].");
        string? validationDesc = validationSeed is int seed
            ? HoldOut.Register(catalog, trainName, validationSplit, TrainName, ValidationName, seed)
                .Replace($"'{ValidationSplitName}'", $"split 'val' of {train.Path}")
            : null;
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
        var result = new RegisteredDatasets(catalog, trainClasses, hasTest, trainDesc, hasTest ? testDesc : null, validationDesc);
        _ = result.Train;   // load now: a missing image or unknown class fails here, naming the file
        _ = result.Test;
        _ = result.Validation;
        if (result.Train.Records.Count == 0) throw new CliUsageException($"Dataset {trainDesc} has no images.");
        return result;
    }
}

using Microsoft.ML;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Data;

/// <summary>
/// A training and a validation IDataView in DetectObjects' column contract (image: MLImage or image path text; label:
/// key or text vector; box: float[4N]), checked when given and registered into a <see cref="DatasetCatalog"/> when
/// used, so code written for catalogs (the experiment's trials) runs on them unchanged.
/// </summary>
internal sealed class DetectionDataViews
{
    public const string TrainName = "train";
    public const string ValidationName = "validation";

    private readonly IDataView train, validation;
    private readonly string image, label, box;

    public DetectionDataViews(IDataView train, IDataView validation, string imageColumnName, string labelColumnName, string boxColumnName)
    {
        this.train = train ?? throw new ArgumentNullException(nameof(train));
        this.validation = validation ?? throw new ArgumentNullException(nameof(validation));
        ArgumentException.ThrowIfNullOrWhiteSpace(imageColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(boxColumnName);
        (image, label, box) = (imageColumnName, labelColumnName, boxColumnName);
        // Schema errors now, naming the column, rather than when the run starts.
        foreach (var (data, role) in new[] { (train, "Training data"), (validation, "Validation data") })
        {
            ImageColumn.Find(data.Schema, image, nameof(imageColumnName), role, allowPaths: true);
            LabelColumn.Find(data.Schema, label, nameof(labelColumnName), role);
            BoxColumn.Find(data.Schema, box, nameof(boxColumnName), role);
        }
    }

    /// <summary>Reads both views (MLImages become PNGs under <paramref name="imageFolder"/>) and registers them as
    /// <see cref="TrainName"/> and <see cref="ValidationName"/>; the validation labels must be training classes.</summary>
    public DatasetCatalog Register(string imageFolder, IDatasetLog log)
    {
        var t = TrainingDataReader.Read(train, image, label, box, null, Path.Combine(imageFolder, TrainName), "Training data", allowImagePaths: true);
        var v = TrainingDataReader.Read(validation, image, label, box, t.ClassNames, Path.Combine(imageFolder, ValidationName), "Validation data", allowImagePaths: true);
        log.Info($"Experiment data: {t.Records.Count} training images ({t.Objects} objects), {v.Records.Count} validation images ({v.Objects} objects), " +
            $"classes [{string.Join(", ", t.ClassNames)}].");
        var catalog = new DatasetCatalog(log);
        t.Register(catalog, TrainName);
        v.Register(catalog, ValidationName);
        return catalog;
    }
}

using Rcnn.Training.Data;

namespace Rcnn.MLNet.Data;

/// <summary>The rows of a training or validation IDataView, checked and turned into Rcnn.Training records.</summary>
internal sealed record TrainingData(IReadOnlyList<DatasetRecord> Records, IReadOnlyList<string> ClassNames, int Objects)
{
    /// <summary>Registers the records under <paramref name="name"/>, so DefaultTrainer, the evaluator and the experiment
    /// read them as they read any registered dataset (DetectObjects and DetectionExperiment both come through here).</summary>
    public void Register(DatasetCatalog catalog, string name)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var summary = new DatasetSummary { Name = name };
        catalog.Register(name, _ => new LoadedDataset(Records, new DatasetMetadata(name, ClassNames), summary));
    }
}

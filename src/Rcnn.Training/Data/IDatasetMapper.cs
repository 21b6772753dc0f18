namespace Rcnn.Training.Data;

/// <summary>Turns a record into a model input. Called concurrently from loader workers, so it must be thread-safe.</summary>
public interface IDatasetMapper
{
    MappedSample Map(DatasetRecord record, Random rng);
}

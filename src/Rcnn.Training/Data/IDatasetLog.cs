namespace Rcnn.Training.Data;

/// <summary>Where dataset loading reports what it fixed or dropped; deliberately tiny so any logging stack can plug in.</summary>
public interface IDatasetLog
{
    void Info(string message);
    void Warning(string message);
}

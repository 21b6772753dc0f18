namespace Rcnn.Training.Data;

/// <summary>A dataset file (annotation, list or image) that cannot be used; <see cref="FilePath"/> names it.</summary>
public sealed class DatasetException : Exception
{
    public DatasetException(string filePath, string message, Exception? inner = null)
        : base($"{filePath}: {message}", inner)
    {
        FilePath = filePath;
    }

    public string FilePath { get; }
}

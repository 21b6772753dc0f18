namespace Rcnn.MLNet.Serving;

/// <summary>An upload that is not an image this service can score (empty, of no known format, truncated); the message
/// says which, and the endpoint answers it with 400.</summary>
public sealed class ImageUploadException(string message) : Exception(message);

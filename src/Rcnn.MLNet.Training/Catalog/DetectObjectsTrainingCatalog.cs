using Microsoft.ML;
using Rcnn.MLNet.Training;

namespace Rcnn.MLNet.Catalog;

public static class DetectObjectsTrainingCatalog
{
    /// <summary>Trains a Faster R-CNN detector in Fit; see <see cref="DetectObjectsOptions"/>.</summary>
    public static DetectObjectsEstimator DetectObjects(this TransformsCatalog catalog, DetectObjectsOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DetectObjectsEstimator(catalog, options);
    }

    /// <summary>Trains a Faster R-CNN detector in Fit with the <paramref name="preset"/> config, or without one a config
    /// picked from the data (see <see cref="DetectObjectsOptions"/>).</summary>
    public static DetectObjectsEstimator DetectObjects(this TransformsCatalog catalog, string labelColumnName, string boundingBoxColumnName,
        string imageColumnName = "Image", int? maxIterations = null, string? preset = null, string? outputFolder = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DetectObjectsEstimator(catalog, new DetectObjectsOptions
        {
            LabelColumnName = labelColumnName,
            BoundingBoxColumnName = boundingBoxColumnName,
            ImageColumnName = imageColumnName,
            MaxIterations = maxIterations,
            Preset = preset,
            OutputFolder = outputFolder,
        });
    }
}

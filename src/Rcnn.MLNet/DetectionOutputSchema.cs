using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// Schema propagation for our estimators. SchemaShape.Column cannot be built outside ML.NET, so the output columns
/// come from a never-fitted CustomMapping estimator whose output row has exactly their names and types.
/// </summary>
internal static class DetectionOutputSchema
{
    private sealed class NoInput;

    private sealed class Outputs
    {
        public string[] PredictedLabel { get; set; } = [];
        public float[] Score { get; set; } = [];
        public float[] PredictedBoundingBoxes { get; set; } = [];
    }

    /// <summary>The same image check on a data view's schema (SchemaShape.Create is internal to ML.NET).</summary>
    public static void CheckImage(DataViewSchema schema, string imageColumn)
    {
        var col = schema.GetColumnOrNull(imageColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{imageColumn}' (the image) was not found; columns: [{string.Join(", ", schema.Select(c => c.Name))}].");
        if (col.Type is not ImageDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{imageColumn}' must be an image (MLImage, e.g. from LoadImages), got {col.Type}.");
    }

    /// <summary>Checks the image column and returns <paramref name="input"/> plus the three output columns.</summary>
    public static SchemaShape Propagate(TransformsCatalog catalog, SchemaShape input, ScoringColumns columns)
    {
        ArgumentNullException.ThrowIfNull(input);
        var found = input.Where(c => c.Name == columns.Image).ToArray();
        if (found.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{columns.Image}' (the image) was not found; columns: [{string.Join(", ", input.Select(c => c.Name))}].");
        var image = found[^1];
        if (image.Kind != SchemaShape.Column.VectorKind.Scalar || image.ItemType is not ImageDataViewType)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Input column '{columns.Image}' must be an image (MLImage, e.g. from LoadImages), got {image.Kind} of {image.ItemType}.");
        var definition = SchemaDefinition.Create(typeof(Outputs));
        definition[nameof(Outputs.PredictedLabel)].ColumnName = columns.PredictedLabel;
        definition[nameof(Outputs.Score)].ColumnName = columns.Score;
        definition[nameof(Outputs.PredictedBoundingBoxes)].ColumnName = columns.PredictedBoundingBoxes;
        var shape = catalog.CustomMapping<NoInput, Outputs>((_, _) => { }, contractName: null, outputSchemaDefinition: definition);
        return shape.GetOutputSchema(input);
    }
}

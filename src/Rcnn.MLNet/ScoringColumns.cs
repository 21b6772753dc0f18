namespace Rcnn.MLNet.Scoring;

/// <summary>The user-facing columns of a detector's scoring chain.</summary>
public sealed record ScoringColumns(
    string Image = "Image",
    string PredictedLabel = "PredictedLabel",
    string Score = "Score",
    string PredictedBoundingBoxes = "PredictedBoundingBoxes")
{
    /// <summary>Throws when a name is empty, repeated, or one the chain uses internally.</summary>
    public void Validate()
    {
        (string Value, string Param)[] all =
        [
            (Image, "imageColumnName"), (PredictedLabel, "predictedLabelColumnName"),
            (Score, "scoreColumnName"), (PredictedBoundingBoxes, "predictedBoundingBoxColumnName"),
        ];
        foreach (var (value, param) in all)
        {
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"Column name {param} must not be empty.", param);
            if (DetectorOnnxNames.Reserved.Contains(value))
                throw new ArgumentException(
                    $"Column name {param} = '{value}' is used inside the scoring chain; the reserved names are [{string.Join(", ", DetectorOnnxNames.Reserved)}].", param);
        }
        var outputs = all.Skip(1).Select(a => a.Value).ToArray();
        if (outputs.Distinct(StringComparer.Ordinal).Count() != outputs.Length)
            throw new ArgumentException($"The output column names must differ, got [{string.Join(", ", outputs)}].", "predictedLabelColumnName");
    }
}

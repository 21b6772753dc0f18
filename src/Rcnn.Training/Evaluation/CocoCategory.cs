namespace Rcnn.Training.Evaluation;

/// <summary>A dataset category: its COCO id (as written in the JSON files) and display name.</summary>
public sealed record CocoCategory(int Id, string Name);

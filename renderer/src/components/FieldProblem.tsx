// What is wrong with a form's input, found before anything is sent. The id lets inputs point at it with
// aria-describedby; role="alert" announces it the moment it appears.
export function FieldProblem({ id, problem }: { id: string; problem: string | null }) {
  if (!problem) return null;
  return (
    <p id={id} className="field-error" role="alert">
      {problem}
    </p>
  );
}

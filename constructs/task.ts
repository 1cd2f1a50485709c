import { Construct, type IConstruct } from 'constructs';
import { Annotation, Kind } from '../lib/api/constants.js';
import type { TaskSpec } from '../lib/api/task.js';
import { taskPromptScope, templateProblems } from '../lib/api/template-check.js';
import { branchNameProblem, invalidBranchMessage } from '../lib/git/ref-format.js';
import { checkProps, type KnownProps } from './_props.js';
import { checkTemplateProps, renderTemplateFields, TASK_TEMPLATE_PROPS } from './_task-template.js';
import { checkDependencies, checkTemplate } from './_template.js';
import { kelosResource, objectName, PropError, show } from './_util.js';
import type { TaskTemplateProps } from './task-template.js';
import { Workspace } from './workspace.js';

// Prop names checked at run time (checkProps), for JavaScript callers.
const TASK_PROPS: KnownProps<TaskProps> = {
  ...TASK_TEMPLATE_PROPS,
  name: true,
  generateName: true,
  prompt: true,
  branch: true,
  dependsOn: true,
  labels: true,
};

/** A Task defined here or elsewhere. */
export interface ITask extends IConstruct {
  /** The Task object's name. */
  readonly taskName: string;
}

export interface TaskProps extends TaskTemplateProps {
  /** Object name (at most 63 characters: it names the Job). @default - the construct id */
  readonly name?: string;
  /**
   * Use `name` as a `metadata.generateName` prefix, so each apply creates a
   * new Task (for `kubectl create`, not for GitOps sync).
   * @default false
   */
  readonly generateName?: boolean;
  /**
   * The prompt. With `dependsOn`, a Go text/template over the results of the
   * dependencies: `{{index .Deps "scaffold" "Results" "branch"}}`.
   */
  readonly prompt: string;
  /** Git branch to work on; one Task per (workspace, branch) runs at a time. @default - the workspace ref */
  readonly branch?: string;
  /** Tasks that must succeed first. @default - none */
  readonly dependsOn?: readonly ITask[];
  /** Labels of the Task object. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** One agent run: renders a kelos.dev `Task`. */
export class Task extends Construct implements ITask {
  /** A Task that exists already (applied elsewhere), e.g. to depend on. */
  public static fromName(scope: Construct, id: string, name: string): ITask {
    return new ImportedTask(scope, id, name);
  }

  public readonly taskName: string;
  private readonly props: TaskProps;
  private readonly dependencies: ITask[] = [];

  constructor(scope: Construct, id: string, props: TaskProps) {
    super(scope, id);
    checkProps(this, 'Task', props, TASK_PROPS);
    this.taskName = objectName(this, id, props.name, props.generateName);
    // The Job takes the Task's name (a generated name adds 5 characters).
    if (this.taskName.length > (props.generateName ? 58 : 63)) {
      throw new PropError(this, 'name', `must be at most 63 characters (it names the Job), got ${show(this.taskName)}`);
    }
    checkTemplateProps(this, props);
    if (props.prompt.trim() === '') throw new PropError(this, 'prompt', 'must not be empty');
    if (props.branch !== undefined && props.branch.trim() === '') throw new PropError(this, 'branch', 'must not be empty');
    if (props.branch !== undefined) {
      const problem = branchNameProblem(props.branch);
      if (problem) throw new PropError(this, 'branch', `must be a valid git branch name: ${invalidBranchMessage(props.branch, problem)}`);
      const baseRef = props.workspace instanceof Workspace ? props.workspace.ref : undefined;
      if (baseRef !== undefined && (props.branch === baseRef || props.branch === `refs/heads/${baseRef}`)) {
        throw new PropError(
          this,
          'branch',
          `must not be ${show(baseRef)}, the ref of Workspace ${show(props.workspace!.workspaceName)}: a Task never works on its base ref`,
        );
      }
    }
    this.props = props;
    for (const d of props.dependsOn ?? []) this.addDependency(d);
    // Only prompts of Tasks with dependencies are rendered (with .Deps), and
    // dependencies may be added later: the fields are checked at synth.
    if (this.dependencies.length > 0) checkTemplate(this, 'prompt', props.prompt);
    this.node.addValidation({
      validate: () => {
        if (this.dependencies.length === 0) return [];
        return templateProblems(props.prompt, 'prompt', taskPromptScope(this.dependencies.map((d) => d.taskName))).map((p) => `'prompt' ${p}`);
      },
    });
    kelosResource(this, Kind.TASK, this.taskName, () => this._toKube(), {
      labels: props.labels ? { ...props.labels } : undefined,
      // Declared in git: after its TTL the controller deletes its Job, not the Task (a sync would re-create and re-run it).
      annotations: { [Annotation.DECLARED]: 'true' },
      generateName: props.generateName,
    });
  }

  /** Makes this Task wait until `task` has succeeded. */
  public addDependency(task: ITask): void {
    if (task.taskName === this.taskName) throw new PropError(this, 'dependsOn', 'must not contain the Task itself');
    if (this.dependencies.some((d) => d.taskName === task.taskName)) {
      throw new PropError(this, 'dependsOn', `lists ${show(task.taskName)} twice`);
    }
    checkDependencies(this, [task]);
    this.dependencies.push(task);
  }

  /** @internal */
  public _toKube(): TaskSpec {
    const p = this.props;
    return {
      ...renderTemplateFields(p),
      prompt: p.prompt,
      branch: p.branch,
      dependsOn: this.dependencies.length > 0 ? this.dependencies.map((d) => d.taskName) : undefined,
    } as TaskSpec;
  }
}

class ImportedTask extends Construct implements ITask {
  constructor(
    scope: Construct,
    id: string,
    public readonly taskName: string,
  ) {
    super(scope, id);
  }
}

{{/*
Chart name, truncated to the 63-character DNS label limit.
*/}}
{{- define "billing-portal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release-wide name: the release name, prefixed to the chart name unless it already contains it.
*/}}
{{- define "billing-portal.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "billing-portal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of one component's Deployment and Service.
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.componentFullname" -}}
{{- printf "%s-%s" (include "billing-portal.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels of one component (immutable on a Deployment: keep them minimal).
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "billing-portal.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/*
Common labels of one component.
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.labels" -}}
helm.sh/chart: {{ include "billing-portal.chart" .root }}
{{ include "billing-portal.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ include "billing-portal.name" .root }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/*
In-cluster address (<service>:<port>) of a component, e.g. for the gateway's upstreams.
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.address" -}}
{{- $component := index .root.Values.components .name | required (printf "components.%s is not defined" .name) }}
{{- printf "%s:%v" (include "billing-portal.componentFullname" .) $component.port }}
{{- end }}

{{/*
Container image of a component: global image.repository/tag, overridable per component.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.image" -}}
{{- $repository := dig "image" "repository" "" .component | default .root.Values.image.repository }}
{{- $tag := dig "image" "tag" "" .component | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}

{{/*
Liveness/readiness probes: native grpc probes for gRPC components (standard health service,
overall "" status), httpGet on healthPath for HTTP ones.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.probes" -}}
{{- $c := .component }}
{{- range $kind := list "liveness" "readiness" }}
{{ $kind }}Probe:
  {{- if eq $c.protocol "grpc" }}
  grpc:
    port: {{ $c.port }}
  {{- else if eq $c.protocol "http" }}
  httpGet:
    path: {{ $c.healthPath | default "/healthz" }}
    port: {{ $c.protocol }}
  {{- else }}
  {{- fail (printf "components.%s.protocol must be grpc or http, got %q" $.name $c.protocol) }}
  {{- end }}
  {{- toYaml (index $.root.Values.probes $kind) | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Environment of one component.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.env" -}}
{{- $root := .root }}
{{- $c := .component -}}
- name: PORTAL_SERVICE_NAME
  value: {{ .name | quote }}
- name: PORTAL_ENV
  value: {{ $root.Values.environment | default "production" | quote }}
- name: PORTAL_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ required "secretKey.existingSecret is required" $root.Values.secretKey.existingSecret }}
      key: {{ $root.Values.secretKey.key | default "secret-key" }}
- name: PORTAL_KAFKA_BOOTSTRAP
  value: {{ required "kafka.bootstrap is required" $root.Values.kafka.bootstrap | quote }}
{{- if eq $c.protocol "grpc" }}
- name: PORTAL_GRPC_PORT
  value: {{ $c.port | toString | quote }}
{{- else if eq $c.protocol "http" }}
- name: PORTAL_HTTP_PORT
  value: {{ $c.port | toString | quote }}
- name: PORTAL_BASE_DOMAIN
  value: {{ $root.Values.gateway.baseDomain | quote }}
- name: PORTAL_PUBLIC_SCHEME
  value: {{ $root.Values.gateway.publicScheme | default "https" | quote }}
- name: PORTAL_TRUSTED_PROXIES
  value: {{ $root.Values.gateway.trustedProxies | default list | join "," | quote }}
{{- end }}
{{- with $c.database }}
- name: PORTAL_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "components.%s.database.existingSecret is required" $.name) .existingSecret }}
      key: {{ .key | default "url" }}
{{- end }}
{{- if $c.smtp }}
{{- $mail := $root.Values.mail }}
- name: PORTAL_SMTP_HOST
  value: {{ required "mail.smtpHost is required" $mail.smtpHost | quote }}
- name: PORTAL_SMTP_PORT
  value: {{ required "mail.smtpPort is required" $mail.smtpPort | toString | quote }}
- name: PORTAL_SMTP_STARTTLS
  value: {{ $mail.starttls | default false | toString | quote }}
- name: PORTAL_MAIL_FROM
  value: {{ required "mail.from is required" $mail.from | quote }}
{{- with $mail.existingSecret }}
- name: PORTAL_SMTP_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $mail.usernameKey | default "username" }}
- name: PORTAL_SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $mail.passwordKey | default "password" }}
{{- end }}
{{- end }}
{{- range $upstream := $c.upstreams }}
{{- $target := index $root.Values.components $upstream | required (printf "components.%s.upstreams: unknown component %q" $.name $upstream) }}
{{- if $target.enabled }}
- name: {{ printf "PORTAL_%s_ADDR" ($upstream | upper | replace "-" "_") }}
  value: {{ include "billing-portal.address" (dict "root" $root "name" $upstream) | quote }}
{{- end }}
{{- end }}
{{- include "billing-portal.serviceCredentials" . }}
{{- range $key, $value := $root.Values.env }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- range $key, $value := $c.env }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
Deployment of one component.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.deployment" -}}
{{- $root := .root }}
{{- $c := .component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "billing-portal.componentFullname" . }}
  labels:
    {{- include "billing-portal.labels" . | nindent 4 }}
spec:
  replicas: {{ $c.replicas | default 1 }}
  selector:
    matchLabels:
      {{- include "billing-portal.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "billing-portal.labels" . | nindent 8 }}
      {{- with $c.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .name }}
          image: {{ include "billing-portal.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command:
            {{- toYaml (required (printf "components.%s.command is required" .name) $c.command) | nindent 12 }}
          ports:
            - name: {{ $c.protocol }}
              containerPort: {{ $c.port }}
              protocol: TCP
          env:
            {{- include "billing-portal.env" . | nindent 12 }}
          {{- include "billing-portal.probes" . | trim | nindent 10 }}
          resources:
            {{- toYaml ($c.resources | default $root.Values.resources) | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $root.Values.tmpSizeLimit }}
      {{- with ($c.nodeSelector | default $root.Values.nodeSelector) }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($c.affinity | default $root.Values.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($c.tolerations | default $root.Values.tolerations) }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/*
Service of one component.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.service" -}}
{{- $c := .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "billing-portal.componentFullname" . }}
  labels:
    {{- include "billing-portal.labels" . | nindent 4 }}
spec:
  type: {{ dig "service" "type" "ClusterIP" $c }}
  selector:
    {{- include "billing-portal.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ $c.protocol }}
      port: {{ $c.port }}
      targetPort: {{ $c.protocol }}
      protocol: TCP
      appProtocol: {{ $c.protocol }}
{{- end }}

{{/*
Names of the enabled components that call this one (list it in their `upstreams`), sorted.
Call with (dict "root" $ "name" "billing").
*/}}
{{- define "billing-portal.callers" -}}
{{- $callers := list }}
{{- range $caller, $c := .root.Values.components }}
{{- if and $c.enabled (has $.name ($c.upstreams | default list)) }}
{{- $callers = append $callers $caller }}
{{- end }}
{{- end }}
{{- $callers | sortAlpha | join "," }}
{{- end }}

{{/*
Service credential env of one component (libs/portal_kit/service_auth.py env_for): its own token when it calls
upstreams, the tokens of its callers, and the admin token on the `admin: true` component. Values come only from
the Secret.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.serviceCredentials" -}}
{{- $secret := required "serviceCredentials.existingSecret is required" .root.Values.serviceCredentials.existingSecret }}
{{- $tokens := list }}
{{- if .component.upstreams }}
{{- $tokens = append $tokens .name }}
{{- end }}
{{- $callers := include "billing-portal.callers" (dict "root" .root "name" .name) }}
{{- if $callers }}
{{- $tokens = concat $tokens (splitList "," $callers) }}
{{- end }}
{{- range $caller := $tokens | uniq | sortAlpha }}
- name: {{ printf "PORTAL_SERVICE_TOKEN_%s" ($caller | upper | replace "-" "_") }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $caller }}
{{- end }}
{{- if .component.admin }}
- name: PORTAL_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .root.Values.serviceCredentials.adminKey | default "admin" }}
{{- end }}
{{- end }}

{{/*
NetworkPolicy of one gRPC component: ingress on its port only from the pods of the components that call it
(and, for the `admin: true` component, from networkPolicy.adminFrom). No caller: no ingress at all.
Call with (dict "root" $ "name" "billing" "component" $component).
*/}}
{{- define "billing-portal.networkPolicy" -}}
{{- $root := .root }}
{{- $c := .component }}
{{- $callers := include "billing-portal.callers" (dict "root" $root "name" .name) }}
{{- $extra := list }}
{{- if $c.admin }}
{{- $extra = $root.Values.networkPolicy.adminFrom | default list }}
{{- end }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "billing-portal.componentFullname" . }}
  labels:
    {{- include "billing-portal.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "billing-portal.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
  {{- if or $callers $extra }}
  ingress:
    - from:
        {{- if $callers }}
        {{- range $caller := splitList "," $callers }}
        - podSelector:
            matchLabels:
              {{- include "billing-portal.selectorLabels" (dict "root" $root "name" $caller) | nindent 14 }}
        {{- end }}
        {{- end }}
        {{- with $extra }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - port: {{ $c.port }}
          protocol: TCP
  {{- else }}
  ingress: []
  {{- end }}
{{- end }}
